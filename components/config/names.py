"""Names and keys that reach other programs: DNS host names, POSIX user
names, Linux interface names, pinned SSH host keys and private key files.

Each check returns the value (normalised where it says so) or raises
ValueError saying why and what would be valid; errors.py adds the key.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import os
import re
import struct

from .prefixes import IPAddress, parse_ip

DNS_LABEL = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
DNS_NAME_MAX = 253
POSIX_USER = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")
IFNAME = re.compile(r"^[A-Za-z0-9_.-]{1,15}$")
HOST_KEY_TYPES = ("ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa")


def dns_name_problem(value: str, min_dots: int = 0) -> str | None:
    """Why `value` is not a DNS host name (RFC 1123), or None if it is."""
    hint = "a DNS host name: dot-separated labels of letters, digits and -, e.g. vps.example.net"
    if not value:
        return f"is empty; give {hint}"
    if len(value) > DNS_NAME_MAX:
        return f"is {len(value)} characters; a DNS name has at most {DNS_NAME_MAX}"
    labels = value.split(".")
    bad = next((label for label in labels if not DNS_LABEL.fullmatch(label)), None)
    if bad is not None:
        shown = "an empty label" if bad == "" else f"label {bad!r}"
        return f"has {shown}; must be {hint} (each label 1..63 characters, not starting or ending with -)"
    if labels[-1].isdigit():
        return "ends in a numeric label, like a mistyped IPv4 address; give a valid IP address or DNS name"
    if value.count(".") < min_dots:
        return f"must be a fully qualified name with at least {min_dots} dot(s), e.g. krill.example.net"
    return None


def parse_host_address(value: str) -> str:
    """An SSH host as given: an IP address or a DNS host name, nothing more.

    IP addresses come back normalised (e.g. IPv6 compressed).
    """
    if "@" in value:
        return _raise("holds a user@; put the user name in `user` and only the host in `address`")
    if "://" in value or "/" in value:
        return _raise("looks like a URL or a path; give only the host: an IP address or a DNS name")
    try:
        ip: IPAddress = ipaddress.ip_address(value)
    except ValueError:
        pass
    else:
        if ip.is_unspecified or ip.is_multicast:
            what = "the unspecified address" if ip.is_unspecified else "a multicast address"
            return _raise(f"is {what}; SSH needs the host's unicast IP address or DNS name")
        return str(ip)
    if value.startswith("[") or (":" in value and value.count(":") == 1):
        return _raise("holds a port or brackets; put the port in `port` and only the host in `address`")
    problem = dns_name_problem(value)
    if problem:
        return _raise(f"is neither an IP address nor a DNS host name: {problem}")
    return value


def parse_dns_name(value: str, min_dots: int = 0) -> str:
    problem = dns_name_problem(value, min_dots)
    if problem:
        raise ValueError(problem)
    return value


def parse_posix_user(value: str) -> str:
    if not POSIX_USER.fullmatch(value):
        raise ValueError("must be a POSIX user name: a lowercase letter or _, then up to 31 lowercase letters, "
                         "digits, _ or - (e.g. root, debian)")
    return value


def parse_ifname(value: str) -> str:
    if not IFNAME.fullmatch(value) or value in (".", ".."):
        raise ValueError("must be a Linux interface name: 1..15 characters of letters, digits, _, . or - "
                         "(e.g. br-lab0)")
    return value


def _ssh_strings(blob: bytes) -> list[bytes] | None:
    """The SSH wire-format strings (RFC 4251) in `blob`, or None if it is not
    made of them exactly."""
    out, i = [], 0
    while i < len(blob):
        if i + 4 > len(blob):
            return None
        (n,) = struct.unpack(">I", blob[i:i + 4])
        if i + 4 + n > len(blob):
            return None
        out.append(blob[i + 4:i + 4 + n])
        i += 4 + n
    return out


def parse_host_key(value: str) -> str:
    """A pinned SSH host public key, `"<keytype> <base64>"` (RFC 4253 6.6).

    Checks the base64 decodes to a key blob of exactly that type and shape.
    Returns it with single spacing.
    """
    hint = ("'<keytype> <base64>', the first two fields of the host's /etc/ssh/ssh_host_*_key.pub "
            f"(keytype one of {', '.join(HOST_KEY_TYPES)})")
    parts = value.split()
    if len(parts) != 2:
        raise ValueError(f"must be {hint}")
    keytype, b64 = parts
    if keytype not in HOST_KEY_TYPES:
        raise ValueError(f"key type {keytype!r} is not supported; must be {hint}")
    try:
        blob = base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"the key is not valid base64; must be {hint}") from None
    fields = _ssh_strings(blob)
    if not fields:
        raise ValueError(f"the base64 does not hold an SSH public key; must be {hint}")
    embedded = fields[0].decode("ascii", "replace")
    if embedded != keytype:
        raise ValueError(f"says {keytype} but the base64 holds a {embedded!r} key; copy both fields from the "
                         "same line")
    if keytype == "ssh-ed25519":
        shaped = len(fields) == 2 and len(fields[1]) == 32
    elif keytype.startswith("ecdsa-"):
        shaped = len(fields) == 3 and fields[1].decode("ascii", "replace") == keytype.rsplit("-", 1)[1]
    else:  # ssh-rsa: exponent and modulus
        shaped = len(fields) == 3 and all(fields[1:])
    if not shaped:
        raise ValueError(f"the base64 holds a malformed {keytype} key (truncated or altered); copy it again")
    return f"{keytype} {b64}"


def check_key_file(value: str) -> str:
    """`value` (a path; `~` is expanded to check it) names a readable regular
    file on the machine running pulumi. Returns `value` as given."""
    path = os.path.expanduser(value)
    tail = "key_file is the SSH private key pulumi logs in with; omit it to use ssh-agent"
    if not os.path.exists(path):
        raise ValueError(f"{path} does not exist on the machine running pulumi; {tail}")
    if not os.path.isfile(path):
        raise ValueError(f"{path} is not a regular file; {tail}")
    if not os.access(path, os.R_OK):
        raise ValueError(f"{path} is not readable by this user; fix its permissions, or omit key_file to use "
                         "ssh-agent")
    kind = private_key_kind(path)
    if kind == "public":
        raise ValueError(f"{path} is a public key; key_file is the private one (usually the same path without "
                         ".pub)")
    if kind == "unknown":
        raise ValueError(f"{path} is not an SSH private key (OpenSSH or PEM); {tail}")
    if kind == "encrypted" and not os.environ.get("SSH_AUTH_SOCK"):
        raise ValueError(f"{path} is protected by a passphrase, which pulumi cannot type, and no ssh-agent is "
                         "running (SSH_AUTH_SOCK is unset): start one and `ssh-add` the key, or omit key_file and "
                         "use the agent")
    return value


def private_key_kind(path: str) -> str:
    """"plain", "encrypted", "public" or "unknown": what the key file holds."""
    with open(path, "rb") as f:
        head = f.read(64 * 1024)
    text = head.decode("ascii", errors="replace").strip()
    first = text.split(None, 1)[0] if text else ""
    if first.startswith(("ssh-", "ecdsa-", "sk-")) or first.startswith("---- BEGIN SSH2 PUBLIC KEY"):
        return "public"
    if "-----BEGIN OPENSSH PRIVATE KEY-----" in text:
        body = "".join(line for line in text.splitlines() if not line.startswith("-----"))
        try:
            blob = base64.b64decode(body)
        except ValueError:
            return "unknown"
        magic = b"openssh-key-v1\0"
        if not blob.startswith(magic) or len(blob) < len(magic) + 4:
            return "unknown"
        n = int.from_bytes(blob[len(magic):len(magic) + 4], "big")
        cipher = blob[len(magic) + 4:len(magic) + 4 + n]
        return "plain" if cipher == b"none" else "encrypted"
    if "-----BEGIN ENCRYPTED PRIVATE KEY-----" in text or "Proc-Type: 4,ENCRYPTED" in text:
        return "encrypted"
    if re.search(r"-----BEGIN (RSA |EC |DSA )?PRIVATE KEY-----", text):
        return "plain"
    return "unknown"


def control_characters(text: str) -> list[str]:
    """The control characters (C0, DEL, C1) in `text`, each once, in order."""
    return sorted({c for c in text if ord(c) < 0x20 or 0x7f <= ord(c) < 0xa0})


def parse_listen_address(value: object) -> IPAddress:
    """An address a daemon can bind: any IP address but a multicast one."""
    ip = parse_ip(value)
    if ip.is_multicast:
        raise ValueError(f"{ip} is a multicast address; a listener binds a unicast address (or 0.0.0.0 / ::)")
    return ip


def _raise(message: str) -> str:
    raise ValueError(message)
