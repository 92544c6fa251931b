"""hosts.<name> is checked strictly: how to reach the machine (address,
user, port, key_file), which host keys to trust (known_hosts), how a real
machine is cabled into a lab world (lab_cable), and what a lab host takes."""

from __future__ import annotations

import base64
import os
import struct
import subprocess
from pathlib import Path

import pytest

from components.config import ConfigError, validate
from tests.unit.test_config import LAB_RAW, LAB_SECRETS, PROD_NAMED, PROD_SECRETS, VMLAB_RAW, with_change

# Real host keys (made with ssh-keygen), as "<keytype> <base64>".
HOST_KEYS = {
    "ssh-ed25519": (
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGJ4MRejXVHBmgqTkQeTvRa/KC3n9LM7W17layYiyns3"
    ),
    "ecdsa-sha2-nistp256": (
        "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBNR4r+K9EoZhb8OAyB9qVH7mxjL5"
        "9wX++LBT/j6jQTw+zjdEr9HibJnMRfy6vjAY1BWM5jL2fx6EFHkAhwEFXwM="
    ),
    "ecdsa-sha2-nistp384": (
        "ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBOATgPZhN5C+wsIJ1FWGwJu7XfuG"
        "Ra5hz5kbUC6TrBlGxhRUCaNYl4Gyf3gXyNAGaiQyO8nNy7w/y5eptgi0mzrc00TL5YuaDpObPDKe2jDod0eNeIuSFr0wUmkSPiqY"
        "Rg=="
    ),
    "ecdsa-sha2-nistp521": (
        "ecdsa-sha2-nistp521 AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBAGDN1bsRodmrWBtxjMxaJnXFii1"
        "7cDFYSw+3+WW/l6cRHMSbUXCWtKvS0aKXaI0L+S30oYEA5E84aPu8AXr5D8xgwGVhXUYwh68dzUgBI7Y47wH0MGFpn2K5JWDR2VL"
        "1BNzIvIV0z22o0L7aY3U95egCb7Emit4CsfQtoCX14QIfqsSLQ=="
    ),
    "ssh-rsa": (
        "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCv6gNypvQf+BDF2o0otVFHZOaWgL2IXxOv+JuFDAPf/VqVyhPM/TA654Kuvxzd"
        "M8OCHTrN5rtvTytHu4XT9JEb32VNOK9TkJYhtegbPCWhYzEac0OEmoQ2VmTMDr9TTNxdUe7B8Ed8sSNEQHx0Jt96KrMU+5Acl3JY"
        "uhNk6JysxRcJJxji4OqCt1vnB3Oc4Y4M6haYvdRx7eU5h+ALiOtfHujAWA50yQz3zJzyIYTwImsZnE1Xq0CC0LcmB7J8kz2GlRw2"
        "v8/jUiSe/vdutBMMfFODQqV0sDxTb/CH93u1hsD7Pso8Te5o+tM3/f+92d5840P5x+hqvGrLmi/63VRr"
    ),
}
ED25519_B64 = HOST_KEYS["ssh-ed25519"].split()[1]


def ssh_blob(*fields: bytes) -> str:
    """Base64 of SSH wire-format strings, to build malformed keys from."""
    return base64.b64encode(b"".join(struct.pack(">I", len(f)) + f for f in fields)).decode()


def refused(base: dict, path: tuple, value, key: str, words: str, *, check_files: bool = False) -> str:
    """Validate `base` with one key changed; assert it is refused naming the
    key, the value and `words`; return the message."""
    with pytest.raises(ConfigError) as err:
        validate(with_change(base, path, value), LAB_SECRETS | PROD_SECRETS, check_files=check_files)
    message = str(err.value)
    assert f"{key} = {value!r}" in message, message
    assert words in message, message
    return message


def prod_host(**host) -> dict:
    """The prod example with vps replaced by `host` (kind ssh), and home
    using ssh-agent (the example's key_file is on the user's machine)."""
    raw = with_change(PROD_NAMED, ("hosts", "home", "key_file"), None, delete=True)
    return with_change(raw, ("hosts", "vps"), {"kind": "ssh", "address": "192.0.2.10", **host})


def valid_prod_host(**host):
    return validate(prod_host(**host), PROD_SECRETS, check_files=False, placeholders_ok=True).hosts["vps"]


# --- address ---------------------------------------------------------------

ADDRESS_BAD = [
    ("user-at-host", "root@192.0.2.10", "put the user name in `user`"),
    ("url", "ssh://vps.example.net", "URL"),
    ("path", "vps.example.net/22", "URL or a path"),
    ("host-port", "vps.example.net:2222", "put the port in `port`"),
    ("bracketed-v6-port", "[2001:db8::10]:22", "put the port in `port`"),
    ("space", "vps example.net", "neither an IP address nor a DNS host name"),
    ("bad-ipv4", "192.0.2.256", "numeric label"),
    ("leading-hyphen", "-vps.example.net", "label '-vps'"),
    ("underscore", "my_vps.example.net", "label 'my_vps'"),
    ("empty-label", "vps..example.net", "an empty label"),
    ("long-label", "a" * 64 + ".example.net", "1..63 characters"),
    ("unspecified", "0.0.0.0", "unspecified"),
    ("multicast", "ff02::1", "multicast"),
]


@pytest.mark.parametrize("value,words", [c[1:] for c in ADDRESS_BAD], ids=[c[0] for c in ADDRESS_BAD])
def test_address_must_be_an_ip_address_or_a_dns_host_name(value, words):
    refused(PROD_NAMED, ("hosts", "vps", "address"), value, "personal-as:hosts.vps.address", words)


@pytest.mark.parametrize("value,kept", [
    ("vps.example.net", "vps.example.net"),
    ("VPS-1.Example.net", "VPS-1.Example.net"),
    ("vps", "vps"),
    ("192.0.2.10", "192.0.2.10"),
    ("2001:DB8:0::10", "2001:db8::10"),
    ("127.0.0.1", "127.0.0.1"),  # a forwarded port to a local VM
])
def test_good_addresses_are_kept_and_ip_addresses_normalised(value, kept):
    assert valid_prod_host(address=value).address == kept


# --- user and port -----------------------------------------------------------


@pytest.mark.parametrize("value", ["Root", "1admin", "de bian", "ops@vps", "a" * 33, ""])
def test_user_must_be_a_posix_user_name(value):
    refused(PROD_NAMED, ("hosts", "vps", "user"), value, "personal-as:hosts.vps.user", "must be a POSIX user name")


@pytest.mark.parametrize("value", ["root", "debian", "_svc", "ops-1", "a" * 32])
def test_posix_user_names_are_accepted(value):
    assert valid_prod_host(user=value).user == value


@pytest.mark.parametrize("value,words", [(0, "greater than or equal to 1"), (65536, "less than or equal to 65535")])
def test_port_must_be_1_to_65535(value, words):
    refused(PROD_NAMED, ("hosts", "vps", "port"), value, "personal-as:hosts.vps.port", words)


# --- key_file --------------------------------------------------------------


def ssh_keygen(path: Path, passphrase: str = "", kind: str = "ed25519", fmt: str | None = None) -> Path:
    """A real key pair made by OpenSSH's ssh-keygen (the private key at `path`)."""
    subprocess.run(["ssh-keygen", "-q", "-t", kind, "-N", passphrase, "-C", "test", "-f", str(path),
                    *(["-m", fmt] if fmt else [])], check=True)
    return path


def test_key_file_that_exists_and_is_readable_is_kept_as_written(tmp_path):
    key = ssh_keygen(tmp_path / "id_ed25519")
    cfg = validate(prod_host(key_file=str(key)), PROD_SECRETS, placeholders_ok=True)
    assert cfg.hosts["vps"].key_file == str(key)


def test_key_file_tilde_is_expanded_to_check_it(tmp_path, monkeypatch):
    (tmp_path / ".ssh").mkdir()
    ssh_keygen(tmp_path / ".ssh" / "id_vps")
    monkeypatch.setenv("HOME", str(tmp_path))
    cfg = validate(prod_host(key_file="~/.ssh/id_vps"), PROD_SECRETS, placeholders_ok=True)
    assert cfg.hosts["vps"].key_file == "~/.ssh/id_vps"


def test_a_pem_rsa_key_is_a_private_key_too(tmp_path):
    key = ssh_keygen(tmp_path / "id_rsa", kind="rsa", fmt="PEM")
    assert validate(prod_host(key_file=str(key)), PROD_SECRETS, placeholders_ok=True).hosts["vps"].key_file


def test_the_public_half_is_refused_naming_the_private_one(tmp_path):
    key = ssh_keygen(tmp_path / "id_ed25519")
    refused(prod_host(key_file=f"{key}.pub"), ("hosts", "vps", "key_file"), f"{key}.pub",
            "personal-as:hosts.vps.key_file", "is a public key; key_file is the private one", check_files=True)


@pytest.mark.parametrize("fmt", [None, "PEM"], ids=["openssh", "pem"])
def test_a_key_with_a_passphrase_needs_an_agent(tmp_path, monkeypatch, fmt):
    key = ssh_keygen(tmp_path / "id_locked", passphrase="correct horse", kind="rsa" if fmt else "ed25519", fmt=fmt)
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    refused(prod_host(key_file=str(key)), ("hosts", "vps", "key_file"), str(key),
            "personal-as:hosts.vps.key_file", "no ssh-agent is running", check_files=True)
    # With an agent running, the agent holds it: pulumi logs in through it.
    monkeypatch.setenv("SSH_AUTH_SOCK", str(tmp_path / "agent.sock"))
    assert validate(prod_host(key_file=str(key)), PROD_SECRETS, placeholders_ok=True).hosts["vps"].key_file


def test_a_file_that_is_no_key_is_refused(tmp_path):
    junk = tmp_path / "notes.txt"
    junk.write_text("my vps password is hunter2\n")
    refused(prod_host(key_file=str(junk)), ("hosts", "vps", "key_file"), str(junk),
            "personal-as:hosts.vps.key_file", "is not an SSH private key", check_files=True)


def test_key_file_that_does_not_exist_is_refused_with_its_path(tmp_path):
    missing = tmp_path / "no-such-key"
    refused(prod_host(), ("hosts", "vps", "key_file"), str(missing), "personal-as:hosts.vps.key_file",
            f"{missing} does not exist on the machine running pulumi", check_files=True)


def test_key_file_tilde_path_is_reported_expanded(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    refused(prod_host(), ("hosts", "vps", "key_file"), "~/.ssh/id_missing", "personal-as:hosts.vps.key_file",
            f"{tmp_path}/.ssh/id_missing does not exist", check_files=True)


def test_key_file_that_is_a_directory_is_refused(tmp_path):
    refused(prod_host(), ("hosts", "vps", "key_file"), str(tmp_path), "personal-as:hosts.vps.key_file",
            f"{tmp_path} is not a regular file", check_files=True)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_key_file_that_is_not_readable_is_refused(tmp_path):
    key = tmp_path / "id_ed25519"
    key.write_text("private key\n")
    key.chmod(0)
    refused(prod_host(), ("hosts", "vps", "key_file"), str(key), "personal-as:hosts.vps.key_file",
            f"{key} is not readable by this user", check_files=True)


def test_key_file_is_optional_for_ssh_agent():
    assert valid_prod_host().key_file is None


def test_key_files_are_not_looked_for_when_the_check_files_flag_is_off(tmp_path):
    assert valid_prod_host(key_file=str(tmp_path / "elsewhere")).key_file == str(tmp_path / "elsewhere")


# --- known_hosts -----------------------------------------------------------


@pytest.mark.parametrize("keytype", list(HOST_KEYS))
def test_pinned_host_keys_of_every_supported_type_are_accepted(keytype):
    assert valid_prod_host(known_hosts=[HOST_KEYS[keytype]]).known_hosts == [HOST_KEYS[keytype]]


def test_several_pinned_host_keys_are_kept_in_order_with_single_spacing():
    spaced = HOST_KEYS["ssh-ed25519"].replace(" ", "   ")
    host = valid_prod_host(known_hosts=[spaced, HOST_KEYS["ssh-rsa"]])
    assert host.known_hosts == [HOST_KEYS["ssh-ed25519"], HOST_KEYS["ssh-rsa"]]


def test_known_hosts_left_out_means_record_on_first_contact():
    assert valid_prod_host().known_hosts is None


KNOWN_HOSTS_BAD = [
    ("keytype-only", "ssh-ed25519", "must be '<keytype> <base64>'"),
    ("with-comment", HOST_KEYS["ssh-ed25519"] + " root@vps", "must be '<keytype> <base64>'"),
    ("known-hosts-line", "vps.example.net " + HOST_KEYS["ssh-ed25519"], "must be '<keytype> <base64>'"),
    ("dsa", "ssh-dss " + ED25519_B64, "key type 'ssh-dss' is not supported"),
    ("not-base64", "ssh-ed25519 not*base64!", "not valid base64"),
    ("not-a-key-blob", "ssh-ed25519 " + base64.b64encode(b"hello").decode(), "does not hold an SSH public key"),
    ("truncated", "ssh-ed25519 " + ssh_blob(b"ssh-ed25519", bytes(32))[:-8], "does not hold an SSH public key"),
    ("type-mismatch", "ssh-rsa " + ED25519_B64, "says ssh-rsa but the base64 holds a 'ssh-ed25519' key"),
    ("curve-mismatch", "ecdsa-sha2-nistp384 " + HOST_KEYS["ecdsa-sha2-nistp256"].split()[1],
     "holds a 'ecdsa-sha2-nistp256' key"),
    ("short-ed25519", "ssh-ed25519 " + ssh_blob(b"ssh-ed25519", bytes(31)), "malformed ssh-ed25519 key"),
    ("ecdsa-wrong-curve-inside", "ecdsa-sha2-nistp256 " + ssh_blob(b"ecdsa-sha2-nistp256", b"nistp384", b"\x04" * 65),
     "malformed ecdsa-sha2-nistp256 key"),
    ("rsa-without-modulus", "ssh-rsa " + ssh_blob(b"ssh-rsa", b"\x01\x00\x01"), "malformed ssh-rsa key"),
]


@pytest.mark.parametrize("value,words", [c[1:] for c in KNOWN_HOSTS_BAD], ids=[c[0] for c in KNOWN_HOSTS_BAD])
def test_bad_pinned_host_keys_are_refused(value, words):
    raw = prod_host(known_hosts=[HOST_KEYS["ssh-rsa"], value])
    with pytest.raises(ConfigError) as err:
        validate(raw, PROD_SECRETS, check_files=False, placeholders_ok=True)
    message = str(err.value)
    assert f"personal-as:hosts.vps.known_hosts[1] = {value!r}: " in message
    assert words in message


def test_empty_known_hosts_is_refused():
    refused(prod_host(), ("hosts", "vps", "known_hosts"), [], "personal-as:hosts.vps.known_hosts", "at least 1")


# --- lab_cable -------------------------------------------------------------


def test_ssh_hosts_in_a_lab_world_keep_their_lab_cable():
    cfg = validate(VMLAB_RAW, LAB_SECRETS)
    assert (cfg.hosts["vps"].lab_cable, cfg.hosts["home"].lab_cable) == ("br-vps", "br-home")


@pytest.mark.parametrize("host", ["vps", "home"])
def test_ssh_host_in_a_lab_world_needs_a_lab_cable(host):
    raw = with_change(VMLAB_RAW, ("hosts", host, "lab_cable"), None, delete=True)
    with pytest.raises(ConfigError) as err:
        validate(raw, LAB_SECRETS)
    assert f"personal-as:hosts.{host}.lab_cable: a kind ssh host in a lab world needs lab_cable" in str(err.value)


def test_an_extra_ssh_host_in_a_lab_world_may_go_without_a_lab_cable():
    raw = with_change(VMLAB_RAW, ("hosts", "probe"), {"kind": "ssh", "address": "203.0.113.232"})
    assert validate(raw, LAB_SECRETS).hosts["probe"].lab_cable is None


@pytest.mark.parametrize("value", ["br lab", "br-lab-bridge-0001", "..", "br/lab", ""])
def test_lab_cable_must_be_a_linux_interface_name(value):
    refused(VMLAB_RAW, ("hosts", "vps", "lab_cable"), value, "personal-as:hosts.vps.lab_cable",
            "must be a Linux interface name")


@pytest.mark.parametrize("value", ["br0", "virbr1", "br-lab.10", "lab_cable-0123"])
def test_linux_interface_names_are_accepted_as_lab_cable(value):
    cfg = validate(with_change(VMLAB_RAW, ("hosts", "vps", "lab_cable"), value), LAB_SECRETS)
    assert cfg.hosts["vps"].lab_cable == value


def test_lab_cable_outside_a_lab_world_is_refused():
    refused(PROD_NAMED, ("hosts", "vps", "lab_cable"), "br-vps", "personal-as:hosts.vps.lab_cable",
            "this stack does not face one")


# --- kind lab ----------------------------------------------------------------

LAB_HOST_TAKES_NO = [
    ("address", "192.0.2.20", "kind lab takes no address"),
    ("key_file", "/etc/hostname", "kind lab takes no key_file"),
    ("known_hosts", [HOST_KEYS["ssh-ed25519"]], "kind lab takes no known_hosts"),
    ("lab_cable", "br-vps", "kind lab takes no lab_cable"),
]


@pytest.mark.parametrize("key,value,words", LAB_HOST_TAKES_NO, ids=[c[0] for c in LAB_HOST_TAKES_NO])
def test_lab_host_takes_no_ssh_settings(key, value, words):
    refused(LAB_RAW, ("hosts", "home", key), value, f"personal-as:hosts.home.{key}", words)


def test_arch_is_amd64_unless_set():
    assert valid_prod_host().arch == "amd64"
    refused(PROD_NAMED, ("hosts", "vps", "arch"), "riscv64", "personal-as:hosts.vps.arch", "'amd64' or 'arm64'")


def test_a_lab_host_runs_this_machines_arch():
    refused(LAB_RAW, ("hosts", "home", "arch"), "arm64", "personal-as:hosts.home.arch", "kind lab host is a container on this machine")


def test_an_amd64_machine_builds_for_arm64_hosts_too():
    host = validate(prod_host(arch="arm64"), PROD_SECRETS, check_files=False, placeholders_ok=True, build_arch="amd64").hosts["vps"]
    assert host.arch == "arm64"


def test_a_host_this_machine_cannot_build_for_is_refused_before_anything_is_built():
    # An arm64 machine builds only arm64 images: an amd64 host would get them
    # and fail at `up` with "exec format error". The config check says so first.
    with pytest.raises(ConfigError) as err:
        validate(prod_host(arch="amd64"), PROD_SECRETS, check_files=False, placeholders_ok=True, build_arch="arm64")
    message = str(err.value)
    assert "personal-as:hosts.vps.arch = 'amd64'" in message, message
    assert "this machine (arm64) builds images for 'arm64' only" in message, message
    assert "an arm64 image does not run on an amd64 host" in message, message
    assert "Valid here: 'arm64'" in message, message
