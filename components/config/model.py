"""The stack config as strict pydantic models: one class per config object.

Key names are the user-facing ones from DESIGN.md; renaming one breaks users.
Validators raise ValueError with the why and what would be valid; errors.py
adds the key and the value.

Validation context (built by load.validate):
- `lab_world`: whether the stack faces a lab world (world.py), decided from
  the raw config before validation because it changes which ASNs, prefixes
  and host keys are acceptable.
- `secret_keys`: the top-level keys Pulumi holds as secrets.
- `check_files`: whether files named by the config (hosts.*.key_file) must
  exist on this machine; default True. Only tests pass False, to validate
  example stacks whose files live on the user's machine.
- `build_arch`: the architecture of this machine, which runs `pulumi` and
  builds the images (arch.py says for which hosts); default: its own.
"""

from __future__ import annotations

import ipaddress
import os
import re
from typing import Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr, ValidationInfo, field_validator, model_validator
from typing import Annotated

from .arch import buildable, machine_arch
from .bgp_policy import Role
from .asn import asn_problem, is_private
from .errors import MISSING, KeyedError
from .names import (
    check_key_file, parse_dns_name, parse_host_address, parse_host_key, parse_ifname, parse_listen_address,
    parse_posix_user,
)
from .prefixes import IPNetwork, announceable, parse_endpoint, parse_prefix, usable_prefix
from .world import LAB_WORLD_HINT

TCP_MD5_MAX_KEY = 80  # RFC 2385 keys are limited to 80 bytes by Linux
BIRD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,31}$")
LAB_KRILL_PUBLIC_NAME = "krill.home.lab"


def faces_lab(info: ValidationInfo) -> bool:
    """The `lab_world` validation flag (see the module docstring)."""
    return bool((info.context or {}).get("lab_world"))


def check_files(info: ValidationInfo) -> bool:
    """The `check_files` validation flag; True unless a test turned it off."""
    return bool((info.context or {}).get("check_files", True))


def build_arch(info: ValidationInfo) -> str:
    """The `build_arch` validation flag: the architecture of this machine."""
    return (info.context or {}).get("build_arch") or machine_arch()


def _announced(value: str, info: ValidationInfo) -> str:
    return str(announceable(usable_prefix(parse_prefix(value), faces_lab(info))))


# A prefix the user announces: valid, no host bits, not special-purpose space
# (documentation space only in a lab world), short enough to propagate.
AnnouncedPrefix = Annotated[str, AfterValidator(_announced)]
# A pinned SSH host key, "<keytype> <base64>".
HostKey = Annotated[str, AfterValidator(parse_host_key)]
# An address a listener binds, normalised.
ListenAddress = Annotated[str, AfterValidator(lambda v: str(parse_listen_address(v)))]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def _check_asn(value: int, info: ValidationInfo) -> int:
    problem = asn_problem(value, lab_world=faces_lab(info))
    if problem:
        raise ValueError(problem)
    return value


def tcp_port(value: int) -> int:
    if not 1 <= value <= 65535:
        raise ValueError("must be a TCP port, 1..65535")
    return value


def _check_session_asn(value: int, info: ValidationInfo) -> int:
    """An upstream's session ASN: a private one too, since providers that
    use one (Vultr's 64515) strip it; `path_asn` then says what the world sees."""
    problem = asn_problem(value, lab_world=faces_lab(info), private_ok=True)
    if problem:
        raise ValueError(problem)
    return value


class Upstream(Strict):
    """One BGP session to a transit provider."""

    name: str
    # The ASN the session speaks (BIRD's `neighbor ... as`).
    asn: int
    # The public ASN the provider puts in the AS path where `asn` is private
    # (Vultr: session 64515, paths 20473). The registry's aut-num policy
    # names it, never a private ASN. Default: `asn`.
    path_asn: int | None = None
    neighbor: str
    source: str | None = None
    multihop: int | None = Field(default=None)
    password: SecretStr | None = None
    import_: Literal["none", "default", "full"] = Field(default="none", alias="import")
    # IPv6 next hop to announce when the session runs over IPv4.
    next_hop6: str | None = None
    # Upper bound on accepted routes for import: full (a table is ~220k today).
    max_prefixes: int = Field(default=300000, ge=1)
    # First hop toward the upstream (the provider's router) per family. BIRD
    # resolves the next hops of learned routes through it; needed with
    # import default|full on a multihop session.
    gateway4: str | None = None
    gateway6: str | None = None
    # BGP hold time in seconds; None keeps BIRD's 240 s default.
    hold_time: int | None = None
    # RFC 9234: the user's own side of the session (BIRD's `local role`);
    # a transit's customer by default. None sends no role at all.
    role: Role | None = "customer"
    # BFD on this session (BIRD, userspace): a dead path is noticed in
    # under a second instead of after the hold time.
    bfd: bool = False
    # This upstream accepts RFC 7999 blackhole routes from the user.
    blackhole: bool = False
    # Announce to this upstream with GRACEFUL_SHUTDOWN (RFC 8326).
    maintenance: bool = False

    _asn = field_validator("asn")(_check_session_asn)
    _path_asn = field_validator("path_asn")(_check_asn)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not BIRD_NAME.match(v):
            raise ValueError("must be a BIRD protocol name: a letter or _, then letters, digits or _, at most 32")
        return v

    # Session ends and next hops: no unspecified, multicast or loopback address.
    @field_validator("neighbor", "source")
    @classmethod
    def _ip(cls, v: str | None) -> str | None:
        return None if v is None else str(parse_endpoint(v))

    @field_validator("next_hop6", "gateway6")
    @classmethod
    def _ip6(cls, v: str | None) -> str | None:
        return None if v is None else str(parse_endpoint(v, 6))

    @field_validator("gateway4")
    @classmethod
    def _ip4(cls, v: str | None) -> str | None:
        return None if v is None else str(parse_endpoint(v, 4))

    @field_validator("hold_time")
    @classmethod
    def _hold_time(cls, v: int | None) -> int | None:
        if v is not None and not 3 <= v <= 65535:
            raise ValueError("must be 3..65535 seconds (RFC 4271), or omitted for BIRD's 240")
        return v

    @model_validator(mode="after")
    def _source_of_the_neighbors_family(self) -> Upstream:
        if self.source is not None and ipaddress.ip_address(self.source).version != self.neighbor_ip.version:
            raise KeyedError(("source",), self.source,
                             f"the session to {self.neighbor} runs over IPv{self.neighbor_ip.version}: its source "
                             "address must be your VPS's address of that family")
        return self

    @model_validator(mode="after")
    def _public_path_asn(self, info: ValidationInfo) -> Upstream:
        if self.path_asn is None and is_private(self.asn) and not faces_lab(info):
            raise KeyedError(("path_asn",), MISSING,
                             f"asn {self.asn} is private (RFC 6996): the provider strips it, and the AS path shows "
                             "its public ASN instead. Set path_asn to that one (Vultr: 20473); the registry's "
                             "aut-num policy names it")
        return self

    @property
    def public_asn(self) -> int:
        """The upstream's ASN as the rest of the internet sees it."""
        return self.path_asn if self.path_asn is not None else self.asn

    @model_validator(mode="after")
    def _learned_routes_resolvable(self) -> Upstream:
        if self.import_ != "none" and self.multihop and not (self.gateway4 or self.gateway6):
            raise KeyedError(("import",), self.import_,
                             f"import {self.import_} over a multihop session needs gateway6 (and gateway4 for "
                             "IPv4): the first hop BIRD resolves learned next hops through")
        return self

    def gateway(self, version: int) -> str | None:
        return self.gateway6 if version == 6 else self.gateway4

    @field_validator("multihop")
    @classmethod
    def _multihop(cls, v: int | None) -> int | None:
        if v is not None and not 1 <= v <= 255:
            raise ValueError("must be 1..255 (the TTL hops to the neighbor; omit it for a direct session)")
        return v

    @field_validator("password", mode="before")
    @classmethod
    def _password(cls, v: object, info: ValidationInfo) -> object:
        if v is None:
            return v
        if not isinstance(v, str):
            raise ValueError("must be a string")
        if "upstreams" not in (info.context or {}).get("secret_keys", set()):
            raise ValueError(
                "must be a Pulumi secret: pulumi config set --secret --path 'upstreams[N].password' <value>"
            )
        if len(v.encode()) > TCP_MD5_MAX_KEY:
            raise ValueError(f"is {len(v.encode())} bytes; TCP-MD5 keys are at most {TCP_MD5_MAX_KEY}")
        if '"' in v or "\\" in v:
            raise ValueError('must not contain " or \\ (BIRD quotes the password)')
        return v

    @property
    def neighbor_ip(self) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
        return ipaddress.ip_address(self.neighbor)


class RpkiValidator(Strict):
    """The RTR cache the user's router asks for validated ROA payloads."""

    address: str
    port: int = 3323

    _port = field_validator("port")(tcp_port)

    @field_validator("address")
    @classmethod
    def _address(cls, v: str) -> str:
        return str(parse_endpoint(v))


class Roa(Strict):
    """A route origin authorization the user's Krill CA signs."""

    prefix: str
    max_length: int | None = None
    origin: int | None = None  # defaults to the stack's asn

    @field_validator("origin")
    @classmethod
    def _origin(cls, v: int | None, info: ValidationInfo) -> int | None:
        return v if v is None else _check_asn(v, info)

    @field_validator("prefix")
    @classmethod
    def _prefix(cls, v: str, info: ValidationInfo) -> str:
        return str(usable_prefix(parse_prefix(v), faces_lab(info)))

    @field_validator("max_length")
    @classmethod
    def _max_length(cls, v: int | None, info: ValidationInfo) -> int | None:
        prefix = info.data.get("prefix")
        if v is None or prefix is None:  # a bad prefix is reported on its own
            return v
        net = ipaddress.ip_network(prefix)
        top = 32 if net.version == 4 else 128
        if not net.prefixlen <= v <= top:
            raise ValueError(f"must be between the prefix length {net.prefixlen} and {top} for {prefix}")
        return v

    @property
    def net(self) -> IPNetwork:
        return ipaddress.ip_network(self.prefix)

    @property
    def effective_max_length(self) -> int:
        return self.max_length if self.max_length is not None else self.net.prefixlen


class Host(Strict):
    """Where a role runs: a lab container made by the stack (`kind: lab`), or
    a real machine reached over SSH (`kind: ssh`).

    A lab host only exists in a lab world. A `kind: ssh` host in a lab world
    (e.g. a VM) is cabled into it through `lab_cable`.
    """

    kind: Literal["lab", "ssh"]
    # IP address or DNS host name (RFC 1123); nothing else (no user@, port, URL).
    address: str | None = None
    user: str = "root"
    port: int = Field(default=22, ge=1, le=65535)
    # Path on the machine running pulumi to the SSH private key for this host
    # (`~` expanded); None: ssh-agent. Must exist and be readable.
    key_file: str | None = None
    # Pinned host public keys, "<keytype> <base64>". None: the stack records
    # the key on first contact.
    known_hosts: list[HostKey] | None = Field(default=None, min_length=1)
    # kind ssh in a lab world: the machine's bridge the guest's lab NIC sits on.
    lab_cable: str | None = None
    arch: Literal["amd64", "arm64"] = "amd64"

    @field_validator("address")
    @classmethod
    def _address_form(cls, v: str | None) -> str | None:
        return None if v is None else parse_host_address(v)

    @field_validator("user")
    @classmethod
    def _user(cls, v: str) -> str:
        return parse_posix_user(v)

    @field_validator("key_file")
    @classmethod
    def _key_file(cls, v: str | None, info: ValidationInfo) -> str | None:
        # On a kind lab host the model check below refuses it instead.
        if v is None or info.data.get("kind") != "ssh" or not check_files(info):
            return v
        return check_key_file(v)

    @field_validator("arch")
    @classmethod
    def _arch(cls, v: str, info: ValidationInfo) -> str:
        here = build_arch(info)
        if v not in buildable(here):
            # Refused here, before anything is touched: an image for another
            # architecture would only fail at `up`, with "exec format error".
            valid = " or ".join(repr(a) for a in buildable(here))
            raise ValueError(
                f"this machine ({here}) builds images for {valid} only (they are built where pulumi runs), "
                f"and an {here} image does not run on an {v} host. Run pulumi for this stack on a machine that "
                f"builds {v} images (an amd64 one, or an {v} one); or, if the host is {here}, set arch: {here}. "
                f"Valid here: {valid}")
        return v

    @field_validator("lab_cable")
    @classmethod
    def _lab_cable(cls, v: str | None) -> str | None:
        return None if v is None else parse_ifname(v)

    @model_validator(mode="after")
    def _kind_rules(self, info: ValidationInfo) -> Host:
        if self.kind == "ssh" and not self.address:
            raise KeyedError(("address",), self.address, "kind ssh needs an address (IP or DNS name of the host)")
        if self.kind == "lab":
            for key, why in (("address", "the stack creates the host"),
                             ("key_file", "the stack makes the host's SSH keys itself"),
                             ("known_hosts", "the stack makes the host's SSH keys itself"),
                             ("lab_cable", "the stack cables its lab hosts itself; lab_cable is for a kind ssh "
                                           "machine in a lab world")):
                if getattr(self, key) is not None:
                    raise KeyedError((key,), getattr(self, key), f"kind lab takes no {key}: {why}")
            if "arch" in self.model_fields_set and self.arch != build_arch(info):
                raise KeyedError(("arch",), self.arch, f"a kind lab host is a container on this machine, so it runs "
                                                       f"this machine's architecture ({build_arch(info)}); drop arch")
            if not faces_lab(info):
                raise KeyedError(("kind",), self.kind,
                                 "a kind lab host only exists in a lab world, and this stack does not face one "
                                 "(lab_world: false, or unset while not every host is kind lab); make every host "
                                 "kind lab, set lab_world: true, or make this host kind ssh")
        if self.lab_cable is not None and not faces_lab(info):
            raise KeyedError(("lab_cable",), self.lab_cable,
                             "only a kind ssh host in a lab world is cabled to it, and this stack does not face one "
                             f"({LAB_WORLD_HINT}); drop lab_cable")
        return self


class KrillProxy(Strict):
    """The TLS proxy in front of the user's Krill (UI and API)."""

    # Addresses it binds: loopback unless the user opens it up, never the
    # public internet by default.
    listen: list[ListenAddress] = Field(default_factory=lambda: ["127.0.0.1", "::1"], min_length=1)
    https_port: int = 443
    # The plain-HTTP redirect listener; None: none (for a box whose :80 is taken).
    http_port: int | None = 80

    @field_validator("https_port")
    @classmethod
    def _https_port(cls, v: int) -> int:
        return tcp_port(v)

    @field_validator("http_port")
    @classmethod
    def _http_port(cls, v: int | None) -> int | None:
        return None if v is None else tcp_port(v)

    @field_validator("listen")
    @classmethod
    def _listen_once(cls, v: list[str]) -> list[str]:
        for i, ip in enumerate(v):
            if ip in v[:i]:
                raise KeyedError((i,), ip, f"{ip} is listed twice; list each address once")
        return v

    @model_validator(mode="after")
    def _distinct_ports(self) -> KrillProxy:
        if self.http_port == self.https_port:
            raise KeyedError(("http_port",), self.http_port,
                             "is https_port too; the HTTP redirect needs its own port (usually 80), or null for none")
        return self


class Krill(Strict):
    """The user's Krill CA on `home`."""

    handle: str = "personal"
    # The DNS name the Krill UI/API and its TLS proxy certificate answer at.
    # Default krill.home.lab in a lab world; required outside one.
    public_name: str | None = Field(default=None, validate_default=True)
    # The address Krill itself listens on (behind the proxy), and its port:
    # move it when the home box already runs something on 3000 (Grafana, Gitea).
    listen: ListenAddress = "127.0.0.1"
    port: int = 3000
    proxy: KrillProxy = Field(default_factory=KrillProxy)
    # Prod onboarding with a parent reached through a portal: the RFC 8183
    # responses it gives back, as files on the machine running pulumi.
    parent_response_file: str | None = None
    repository_response_file: str | None = None
    # Optional: without it the stack generates one and keeps it in the state.
    admin_token: SecretStr | None = None

    @field_validator("admin_token", mode="before")
    @classmethod
    def _token(cls, v: object, info: ValidationInfo) -> object:
        if v is None:
            return v
        if "krill" not in (info.context or {}).get("secret_keys", set()):
            raise ValueError("must be a Pulumi secret: pulumi config set --secret --path 'krill.admin_token' <value>")
        if not isinstance(v, str) or len(v) < 16 or '"' in v or "\\" in v:
            raise ValueError("must be a string of at least 16 characters without quotes or backslashes")
        return v

    _krill_port = field_validator("port")(tcp_port)

    @field_validator("parent_response_file", "repository_response_file")
    @classmethod
    def _response_file(cls, v: str | None, info: ValidationInfo) -> str | None:
        if v is None or not check_files(info):
            return v
        path = os.path.expanduser(v)
        if not os.path.isfile(path):
            raise ValueError(f"{path} does not exist on the machine running pulumi; save the XML your parent's "
                             "portal gave back there, or leave the key unset until you have it (up then prints "
                             "what to hand the parent)")
        return v

    @field_validator("handle")
    @classmethod
    def _handle(cls, v: str) -> str:
        if not re.match(r"^[A-Za-z0-9_-]{1,64}$", v):
            raise ValueError("must be 1..64 letters, digits, - or _ (a Krill CA handle)")
        return v

    @field_validator("public_name")
    @classmethod
    def _public_name(cls, v: str | None, info: ValidationInfo) -> str:
        if v is None:
            if faces_lab(info):
                return LAB_KRILL_PUBLIC_NAME
            raise KeyedError((), MISSING, "set the name your Krill answers at, e.g. krill.example.net (its TLS "
                                          "certificate is made for that name)")
        return parse_dns_name(v, min_dots=1)
