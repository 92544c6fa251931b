"""The stack config refuses bad input with the key, the value and the fix."""

from __future__ import annotations

import copy

import pytest

from components.config import ConfigError, validate
from tests.stack_files import LAB, PROD_EXAMPLE, load_stack_file

LAB_RAW, LAB_SECRETS = load_stack_file(LAB)
PROD_RAW, PROD_SECRETS = load_stack_file(PROD_EXAMPLE)
# The prod example with the name its Krill answers at (the example's own wins).
PROD_NAMED = {**PROD_RAW, "krill": {"public_name": "krill.example.net", **PROD_RAW.get("krill", {})}}
# A stack of real (kind ssh) machines that faces the lab world: `vmlab`.
VMLAB_RAW = {
    **copy.deepcopy(LAB_RAW),
    "lab_world": True,
    "hosts": {"vps": {"kind": "ssh", "address": "203.0.113.230", "lab_cable": "br-vps"},
              "home": {"kind": "ssh", "address": "203.0.113.231", "lab_cable": "br-home"}},
}


def with_change(base: dict, path: tuple, value, delete: bool = False) -> dict:
    raw = copy.deepcopy(base)
    node = raw
    for part in path[:-1]:
        node = node[part]
    if delete:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return raw


# The example's key_file lives on the user's machine, not this one, and its
# placeholders (example.net names, documentation addresses) stand in for the
# user's own values here (tests/unit/test_config_prod_path.py refuses them).
PROD_FILES_ELSEWHERE = {"check_files": False, "placeholders_ok": True}


def test_committed_lab_stack_is_valid():
    cfg = validate(LAB_RAW, LAB_SECRETS)
    assert cfg.is_lab
    assert cfg.asn == 65536


def test_prod_example_is_valid_and_not_a_lab():
    cfg = validate(PROD_RAW, PROD_SECRETS, **PROD_FILES_ELSEWHERE)
    assert not cfg.is_lab
    assert cfg.upstreams[0].multihop == 2


# (case id, base, path to the changed key, new value, expected key in message, expected words)
BAD = [
    ("asn-zero", LAB_RAW, ("asn",), 0, "personal-as:asn", "reserved"),
    ("asn-as-trans", LAB_RAW, ("asn",), 23456, "personal-as:asn", "AS_TRANS"),
    ("asn-65535", LAB_RAW, ("asn",), 65535, "personal-as:asn", "reserved"),
    ("asn-max", LAB_RAW, ("asn",), 4294967295, "personal-as:asn", "reserved"),
    ("asn-too-big", LAB_RAW, ("asn",), 4294967296, "personal-as:asn", "out of range"),
    ("asn-negative", LAB_RAW, ("asn",), -1, "personal-as:asn", "out of range"),
    ("asn-text", LAB_RAW, ("asn",), "65536", "personal-as:asn", "integer"),
    ("asn-private-in-prod", PROD_RAW, ("asn",), 64512, "personal-as:asn", "only in a stack that faces a lab world"),
    ("asn-documentation-in-prod", PROD_RAW, ("asn",), 65536, "personal-as:asn",
     "only in a stack that faces a lab world"),
    ("upstream-asn-private-in-prod", PROD_RAW, ("upstreams", 0, "asn"), 64496, "personal-as:upstreams[0].asn",
     "only in a stack that faces a lab world"),
    ("upstream-asn-is-own-asn", LAB_RAW, ("upstreams", 0, "asn"), 65536, "personal-as:upstreams[0].asn", "iBGP"),
    ("router-id-v6", LAB_RAW, ("router_id",), "2001:db8::1", "personal-as:router_id", "IPv4"),
    ("router-id-garbage", LAB_RAW, ("router_id",), "router", "personal-as:router_id", "IPv4"),
    ("router-id-zero", LAB_RAW, ("router_id",), "0.0.0.0", "personal-as:router_id", "non-zero router id"),
    ("prefix-malformed", LAB_RAW, ("prefixes",), ["2001:db8:100::/129"], "personal-as:prefixes[0]", "not a valid"),
    ("prefix-no-length", LAB_RAW, ("prefixes",), ["2001:db8:100::"], "personal-as:prefixes[0]", "missing prefix length"),
    ("prefix-host-bits", LAB_RAW, ("prefixes",), ["2001:db8:100::1/48"], "personal-as:prefixes[0]", "host bits"),
    ("prefix-v6-too-long", LAB_RAW, ("prefixes",), ["2001:db8:100::/56"], "personal-as:prefixes[0]",
     "will not propagate"),
    ("prefix-v4-too-long", LAB_RAW, ("prefixes",), ["2001:db8:100::/48", "192.0.2.0/25"], "personal-as:prefixes[1]",
     "will not propagate"),
    ("prefix-ula", LAB_RAW, ("prefixes",), ["fd00:1234::/48"], "personal-as:prefixes[0]", "unique local"),
    ("prefix-empty", LAB_RAW, ("prefixes",), [], "personal-as:prefixes", "at least 1"),
    ("neighbor-bad", LAB_RAW, ("upstreams", 0, "neighbor"), "198.51.100.256", "personal-as:upstreams[0].neighbor",
     "not a valid IP"),
    ("multihop-zero", LAB_RAW, ("upstreams", 0, "multihop"), 0, "personal-as:upstreams[0].multihop", "1..255"),
    ("multihop-256", LAB_RAW, ("upstreams", 0, "multihop"), 256, "personal-as:upstreams[0].multihop", "1..255"),
    ("password-too-long", LAB_RAW, ("upstreams", 0, "password"), "x" * 81, "personal-as:upstreams[0].password",
     "at most 80"),
    ("import-unknown", LAB_RAW, ("upstreams", 0, "import"), "some", "personal-as:upstreams[0].import",
     "'none', 'default' or 'full'"),
    ("upstream-unknown-key", LAB_RAW, ("upstreams", 0, "pasword"), "x", "personal-as:upstreams[0].pasword",
     "unknown key"),
    ("roa-not-covered", LAB_RAW, ("roas", 0, "prefix"), "2001:db8:200::/48", "personal-as:roas[0].prefix", "not covered"),
    ("roa-max-length-short", LAB_RAW, ("roas", 0, "max_length"), 47, "personal-as:roas[0].max_length",
     "between the prefix length 48 and 128"),
    ("roa-max-length-129", LAB_RAW, ("roas", 0, "max_length"), 129, "personal-as:roas[0].max_length",
     "between the prefix length 48 and 128"),
    ("unknown-top-key", LAB_RAW, ("bogus",), 1, "personal-as:bogus", "unknown key"),
    ("ssh-host-without-address", PROD_RAW, ("hosts", "home", "address"), None, "personal-as:hosts.home.address",
     "needs an address"),
    ("route0-outside-prefix", LAB_RAW, ("route0",), "2001:db8:200::80", "personal-as:route0", "not inside"),
]


def assert_refused(base, path, value, key, words):
    """The changed config is refused, naming the key, the value and the words."""
    secrets = PROD_SECRETS if base in (PROD_RAW, PROD_NAMED) else LAB_SECRETS
    with pytest.raises(ConfigError) as err:
        # Only prod bases name a key_file, and it lives on the user's machine.
        validate(with_change(base, path, value), secrets, check_files=False, placeholders_ok=True)
    message = str(err.value)
    assert key in message
    assert words in message
    leaf = value[-1] if isinstance(value, list) and value else value
    if "password" not in path and key != "personal-as":
        assert f"{key} = {leaf!r}" in message or f"{key} = {value!r}" in message


@pytest.mark.parametrize("base,path,value,key,words", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_value_is_refused_with_key_value_and_fix(base, path, value, key, words):
    assert_refused(base, path, value, key, words)


def test_duplicate_upstream_names_are_refused():
    raw = copy.deepcopy(LAB_RAW)
    raw["upstreams"].append(copy.deepcopy(raw["upstreams"][0]))
    with pytest.raises(ConfigError, match=r"upstreams.*'transit' is used twice"):
        validate(raw, LAB_SECRETS)


def test_password_must_be_a_pulumi_secret():
    with pytest.raises(ConfigError, match=r"upstreams\[0\]\.password = \[secret\]: must be a Pulumi secret"):
        validate(LAB_RAW, secret_keys=set())


def test_password_value_never_appears_in_errors():
    raw = with_change(LAB_RAW, ("upstreams", 0, "password"), "hunter2-" + "x" * 80)
    with pytest.raises(ConfigError) as err:
        validate(raw, LAB_SECRETS)
    assert "hunter2" not in str(err.value)


def test_lab_stack_is_decided_by_host_kinds_not_by_name():
    raw = with_change(LAB_RAW, ("hosts", "home"), {"kind": "ssh", "address": "192.0.2.20"})
    with pytest.raises(ConfigError) as err:
        validate(raw, LAB_SECRETS)
    message = str(err.value)
    assert "personal-as:asn = 65536: AS65536 is documentation (RFC 5398) and is allowed only in a stack that " \
           "faces a lab world" in message
    assert "personal-as:hosts.vps.kind = 'lab': a kind lab host only exists in a lab world" in message


def test_loose_roa_max_length_is_accepted_with_an_rfc9319_warning():
    cfg = validate(with_change(LAB_RAW, ("roas", 0, "max_length"), 64), LAB_SECRETS)
    assert any("RFC 9319" in w for w in cfg.warnings)


def test_exact_roa_max_length_gives_no_warning():
    assert validate(LAB_RAW, LAB_SECRETS).warnings == []


def test_roa_origin_defaults_to_the_stack_asn():
    cfg = validate(LAB_RAW, LAB_SECRETS)
    assert cfg.roa_origin(cfg.roas[0]) == 65536


def test_import_default_over_multihop_needs_a_gateway():
    raw = with_change(LAB_RAW, ("upstreams", 0, "import"), "default")
    raw["upstreams"][0].pop("gateway4")
    raw["upstreams"][0].pop("gateway6")
    with pytest.raises(ConfigError, match="needs gateway6"):
        validate(raw, LAB_SECRETS)


# --- lab_world -------------------------------------------------------------


def test_lab_world_defaults_to_true_when_every_host_is_kind_lab():
    cfg = validate(LAB_RAW, LAB_SECRETS)
    assert cfg.lab_world is True and cfg.faces_lab and cfg.is_lab


def test_lab_world_defaults_to_false_when_a_host_is_kind_ssh():
    cfg = validate(PROD_NAMED, PROD_SECRETS, check_files=False, placeholders_ok=True)
    assert cfg.lab_world is False and not cfg.faces_lab and not cfg.is_lab


def test_ssh_hosts_facing_a_lab_world_accept_documentation_asns_and_prefixes():
    cfg = validate(VMLAB_RAW, LAB_SECRETS)
    assert cfg.faces_lab and not cfg.is_lab
    assert cfg.asn == 65536 and cfg.upstreams[0].asn == 64496
    assert cfg.prefixes == ["2001:db8:100::/48"] and cfg.route0 == "2001:db8:100::80"


def test_ssh_hosts_with_lab_world_false_refuse_documentation_asns():
    with pytest.raises(ConfigError) as err:
        validate({**VMLAB_RAW, "lab_world": False}, LAB_SECRETS)
    assert "personal-as:asn = 65536: AS65536 is documentation (RFC 5398) and is allowed only in a stack that " \
           "faces a lab world (lab_world: true" in str(err.value)


def test_lab_hosts_in_a_stack_that_does_not_face_a_lab_world_are_refused():
    with pytest.raises(ConfigError) as err:
        validate({**LAB_RAW, "lab_world": False}, LAB_SECRETS)
    message = str(err.value)
    for host in ("vps", "home"):
        assert f"personal-as:hosts.{host}.kind = 'lab': a kind lab host only exists in a lab world" in message


def test_lab_world_must_be_a_boolean():
    assert_refused(LAB_RAW, ("lab_world",), "yes", "personal-as:lab_world", "valid boolean")


# --- numbers: special-purpose space everywhere, documentation space only in a lab world

NEVER = [
    # (case id, prefixes, expected words); the bad prefix is the last one listed
    ("ula", ["fc00::/48"], "fc00::/7, unique local (ULA), never routed on the internet (RFC 4193)"),
    ("rfc1918-10", ["2001:db8:100::/48", "10.1.0.0/24"], "10.0.0.0/8, private (RFC 1918)"),
    ("rfc1918-172", ["2001:db8:100::/48", "172.16.0.0/24"], "172.16.0.0/12, private (RFC 1918)"),
    ("rfc1918-192", ["2001:db8:100::/48", "192.168.0.0/24"], "192.168.0.0/16, private (RFC 1918)"),
    ("cgnat", ["2001:db8:100::/48", "100.64.0.0/24"], "100.64.0.0/10, shared CGNAT space (RFC 6598)"),
    ("loopback4", ["2001:db8:100::/48", "127.0.0.0/24"], "127.0.0.0/8, loopback"),
    ("loopback6", ["::1/128"], "::1/128, loopback"),
    ("link-local4", ["2001:db8:100::/48", "169.254.0.0/24"], "169.254.0.0/16, link-local"),
    ("link-local6", ["fe80::/48"], "fe80::/10, link-local"),
    ("multicast4", ["2001:db8:100::/48", "224.0.0.0/24"], "224.0.0.0/4, multicast"),
    ("multicast6", ["ff0e::/48"], "ff00::/8, multicast"),
    ("unspecified6", ["::/128"], "::/128, the unspecified address"),
    ("this-network4", ["2001:db8:100::/48", "0.0.0.0/8"], "0.0.0.0/8, 'this network'"),
    ("default6", ["::/0"], "::/0 is the default route"),
    ("default4", ["2001:db8:100::/48", "0.0.0.0/0"], "0.0.0.0/0 is the default route"),
    ("reserved4", ["2001:db8:100::/48", "240.0.0.0/24"], "240.0.0.0/4, reserved"),
    ("not-global-unicast6", ["4000::/48"], "outside 2000::/3"),
    ("covers-private", ["2001:db8:100::/48", "8.0.0.0/6"], "8.0.0.0/6 overlaps 10.0.0.0/8"),
]


@pytest.mark.parametrize("base", [LAB_RAW, PROD_NAMED], ids=["lab-world", "real-world"])
@pytest.mark.parametrize("prefixes,words", [c[1:] for c in NEVER], ids=[c[0] for c in NEVER])
def test_special_purpose_prefixes_are_refused_in_every_stack(base, prefixes, words):
    i = len(prefixes) - 1
    with pytest.raises(ConfigError) as err:
        validate({**base, "prefixes": prefixes}, LAB_SECRETS if base is LAB_RAW else PROD_SECRETS, check_files=False, placeholders_ok=True)
    assert f"personal-as:prefixes[{i}] = {prefixes[i]!r}: " in str(err.value)
    assert words in str(err.value)


DOCUMENTATION = ["2001:db8:100::/48", "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"]


@pytest.mark.parametrize("prefix", DOCUMENTATION)
def test_documentation_prefixes_are_refused_outside_a_lab_world(prefix):
    raw = {**PROD_NAMED, "prefixes": ["2a0f:85c1:362::/48", prefix]}
    with pytest.raises(ConfigError) as err:
        validate(raw, PROD_SECRETS, check_files=False, placeholders_ok=True)
    assert f"personal-as:prefixes[1] = {prefix!r}: " in str(err.value)
    assert "allowed only in a stack that faces a lab world" in str(err.value)


@pytest.mark.parametrize("prefix", DOCUMENTATION)
def test_documentation_prefixes_are_accepted_in_a_lab_world(prefix):
    # Python's ipaddress calls these ranges private; the lab world must not.
    raw = {**VMLAB_RAW, "prefixes": list(dict.fromkeys(["2001:db8:100::/48", prefix])),
           "roas": [{"prefix": p} for p in dict.fromkeys(["2001:db8:100::/48", prefix])]}
    # The lab's provider router (198.51.100.1) cannot sit inside a prefix the
    # user announces: for that one, the provider is elsewhere in the lab.
    if prefix == "198.51.100.0/24":
        raw["upstreams"] = [{**raw["upstreams"][0], "neighbor": "203.0.113.1"}]
    assert prefix in validate(raw, LAB_SECRETS).prefixes


def test_a_prefix_covering_documentation_space_is_refused_outside_a_lab_world():
    raw = {**PROD_NAMED, "prefixes": ["2001:d00::/24"]}
    with pytest.raises(ConfigError, match=r"prefixes\[0\] = '2001:d00::/24': 2001:d00::/24 overlaps 2001:db8::/32"):
        validate(raw, PROD_SECRETS, check_files=False, placeholders_ok=True)


def test_public_prefixes_are_accepted_outside_a_lab_world():
    raw = {**PROD_NAMED, "prefixes": ["2a0f:85c1:362::/48", "45.129.0.0/24"],
           "roas": [{"prefix": "2a0f:85c1:362::/48"}, {"prefix": "45.129.0.0/24"}]}
    assert validate(raw, PROD_SECRETS, check_files=False, placeholders_ok=True).prefixes == ["2a0f:85c1:362::/48", "45.129.0.0/24"]


NUMBERS_BAD = [
    ("roa-documentation-in-prod", PROD_NAMED, ("roas", 0, "prefix"), "2001:db8:100::/48", "personal-as:roas[0].prefix",
     "allowed only in a stack that faces a lab world"),
    ("roa-ula", LAB_RAW, ("roas", 0, "prefix"), "fd00::/48", "personal-as:roas[0].prefix", "unique local"),
    ("roa-origin-documentation-in-prod", PROD_NAMED, ("roas", 0, "origin"), 65536, "personal-as:roas[0].origin",
     "allowed only in a stack that faces a lab world"),
    ("roa-origin-private-in-prod", PROD_NAMED, ("roas", 0, "origin"), 64512, "personal-as:roas[0].origin",
     "allowed only in a stack that faces a lab world"),
    ("route0-documentation-in-prod", PROD_NAMED, ("route0",), "2001:db8:100::80", "personal-as:route0",
     "allowed only in a stack that faces a lab world"),
    ("route0-loopback", LAB_RAW, ("route0",), "::1", "personal-as:route0", "loopback"),
    ("route0-link-local", LAB_RAW, ("route0",), "fe80::80", "personal-as:route0", "link-local"),
    ("route0-private", LAB_RAW, ("route0",), "192.168.1.80", "personal-as:route0", "private (RFC 1918)"),
]


@pytest.mark.parametrize("base,path,value,key,words", [c[1:] for c in NUMBERS_BAD], ids=[c[0] for c in NUMBERS_BAD])
def test_special_and_documentation_numbers_in_roas_and_route0(base, path, value, key, words):
    assert_refused(base, path, value, key, words)


def test_documentation_roa_origin_is_accepted_in_a_lab_world():
    # (Without irr: with it, a ROA for another origin than the route objects' is refused.)
    raw = {k: v for k, v in with_change(VMLAB_RAW, ("roas", 0, "origin"), 65537).items() if k != "irr"}
    cfg = validate(raw, LAB_SECRETS)
    assert cfg.roa_origin(cfg.roas[0]) == 65537


# --- BGP identity ----------------------------------------------------------

IDENTITY_BAD = [
    ("router-id-zero", ("router_id",), "0.0.0.0", "personal-as:router_id", "is zero"),
    ("router-id-broadcast", ("router_id",), "255.255.255.255", "personal-as:router_id", "broadcast"),
    ("router-id-multicast", ("router_id",), "224.0.0.5", "personal-as:router_id", "multicast"),
    ("router-id-loopback", ("router_id",), "127.0.0.1", "personal-as:router_id", "loopback"),
    ("neighbor-unspecified4", ("upstreams", 0, "neighbor"), "0.0.0.0", "personal-as:upstreams[0].neighbor",
     "unspecified"),
    ("neighbor-unspecified6", ("upstreams", 0, "neighbor"), "::", "personal-as:upstreams[0].neighbor", "unspecified"),
    ("neighbor-multicast", ("upstreams", 0, "neighbor"), "ff02::2", "personal-as:upstreams[0].neighbor", "multicast"),
    ("neighbor-loopback", ("upstreams", 0, "neighbor"), "127.0.0.1", "personal-as:upstreams[0].neighbor", "loopback"),
    ("source-loopback", ("upstreams", 0, "source"), "::1", "personal-as:upstreams[0].source", "loopback"),
    ("source-multicast", ("upstreams", 0, "source"), "239.1.1.1", "personal-as:upstreams[0].source", "multicast"),
    ("next-hop6-unspecified", ("upstreams", 0, "next_hop6"), "::", "personal-as:upstreams[0].next_hop6",
     "unspecified"),
]


@pytest.mark.parametrize("path,value,key,words", [c[1:] for c in IDENTITY_BAD], ids=[c[0] for c in IDENTITY_BAD])
def test_unusable_bgp_identities_are_refused(path, value, key, words):
    assert_refused(LAB_RAW, path, value, key, words)


@pytest.mark.parametrize("value", ["0.0.0.0", "255.255.255.255", "224.0.0.5", "127.0.0.1"])
def test_router_id_refusals_say_bird_needs_a_non_zero_id(value):
    assert_refused(LAB_RAW, ("router_id",), value, "personal-as:router_id", "BIRD needs a unique, non-zero router id")


def test_upstream_with_the_stacks_own_asn_is_refused_as_ibgp():
    assert_refused(PROD_NAMED, ("upstreams", 0, "asn"), 215634, "personal-as:upstreams[0].asn",
                   "is the stack's own asn 215634: that would be iBGP, and this project speaks eBGP")


def test_link_local_gateway6_is_accepted():
    cfg = validate(with_change(LAB_RAW, ("upstreams", 0, "gateway6"), "fe80::1"), LAB_SECRETS)
    assert cfg.upstreams[0].gateway6 == "fe80::1"


# --- krill -----------------------------------------------------------------


def test_krill_defaults_in_a_lab_world():
    raw = {**LAB_RAW, "krill": {"handle": "personal"}}
    krill = validate(raw, LAB_SECRETS).krill
    assert krill.public_name == "krill.home.lab"
    assert krill.listen == "127.0.0.1"
    assert (krill.proxy.listen, krill.proxy.https_port, krill.proxy.http_port) == (["127.0.0.1", "::1"], 443, 80)


def test_krills_certificate_comes_by_acme_only_where_the_ca_can_reach_the_proxys_port_80():
    assert validate(LAB_RAW, LAB_SECRETS).krill_by_acme  # the lab stack: home's link address, port 80
    loopback_only = {**LAB_RAW, "krill": {"handle": "personal"}}
    assert not validate(loopback_only, LAB_SECRETS).krill_by_acme
    assert not validate(VMLAB_RAW | {"krill": {"public_name": "krill.home.lab", "proxy": {
        "listen": ["2001:db8:ffff:10::2"], "https_port": 8443, "http_port": None}}}, LAB_SECRETS).krill_by_acme
    assert not validate(PROD_RAW, PROD_SECRETS, check_files=False, placeholders_ok=True).krill_by_acme  # loopback by default


def test_lab_krill_by_acme_needs_the_name_the_lab_defines():
    raw = with_change(LAB_RAW, ("krill", "public_name"), "krill.example.net")
    assert_refused(raw, ("krill", "public_name"), "krill.example.net", "personal-as:krill.public_name",
                   "valid in a lab world: krill.home.lab")


def test_krill_section_may_be_left_out_in_a_lab_world():
    raw = {k: v for k, v in LAB_RAW.items() if k != "krill"}
    krill = validate(raw, LAB_SECRETS).krill
    assert (krill.handle, krill.public_name) == ("personal", "krill.home.lab")


def test_krill_public_name_is_required_outside_a_lab_world():
    raw = with_change(PROD_NAMED, ("krill", "public_name"), None, delete=True)
    with pytest.raises(ConfigError) as err:
        validate(raw, PROD_SECRETS, check_files=False, placeholders_ok=True)
    assert "personal-as:krill.public_name: set the name your Krill answers at, e.g. krill.example.net" \
        in str(err.value)


def test_krill_public_name_is_required_even_without_a_krill_section_outside_a_lab_world():
    raw = {k: v for k, v in PROD_NAMED.items() if k != "krill"}
    with pytest.raises(ConfigError, match="personal-as:krill.public_name: set the name your Krill answers at"):
        validate(raw, PROD_SECRETS, check_files=False, placeholders_ok=True)


def test_krill_settings_outside_a_lab_world_are_kept():
    raw = with_change(PROD_NAMED, ("krill",), {
        "handle": "SETH-MB", "public_name": "rpki.example.net", "listen": "::1",
        "proxy": {"listen": ["2a0f:85c1:362::1"], "https_port": 8443, "http_port": None,
                  "allow_from": ["2a0f:85c1:362:10::/64"]},
    })
    krill = validate(raw, PROD_SECRETS, check_files=False, placeholders_ok=True).krill
    assert (krill.public_name, krill.listen) == ("rpki.example.net", "::1")
    assert (krill.proxy.listen, krill.proxy.https_port, krill.proxy.http_port) == (["2a0f:85c1:362::1"], 8443, None)
    assert krill.proxy.allow_from == ["2a0f:85c1:362:10::/64"]


KRILL_BAD = [
    ("public-name-single-label", ("krill", "public_name"), "krill", "personal-as:krill.public_name",
     "at least 1 dot"),
    ("public-name-underscore", ("krill", "public_name"), "krill_ca.example.net", "personal-as:krill.public_name",
     "label 'krill_ca'"),
    ("public-name-url", ("krill", "public_name"), "https://krill.example.net", "personal-as:krill.public_name",
     "label"),
    ("public-name-ip", ("krill", "public_name"), "192.0.2.1", "personal-as:krill.public_name", "numeric label"),
    ("public-name-trailing-dot", ("krill", "public_name"), "krill.example.net.", "personal-as:krill.public_name",
     "an empty label"),
    ("public-name-not-text", ("krill", "public_name"), 1, "personal-as:krill.public_name", "valid string"),
    ("listen-name", ("krill", "listen"), "localhost", "personal-as:krill.listen", "not a valid IP address"),
    ("listen-multicast", ("krill", "listen"), "ff02::1", "personal-as:krill.listen", "multicast"),
    ("proxy-listen-bad", ("krill", "proxy"), {"listen": ["127.0.0.1", "127.0.0.256"]},
     "personal-as:krill.proxy.listen[1]", "not a valid IP address"),
    ("proxy-listen-twice", ("krill", "proxy"), {"listen": ["::1", "::1"]}, "personal-as:krill.proxy.listen[1]",
     "listed twice"),
    ("proxy-listen-empty", ("krill", "proxy"), {"listen": []}, "personal-as:krill.proxy.listen", "at least 1"),
    ("proxy-https-port-zero", ("krill", "proxy"), {"https_port": 0}, "personal-as:krill.proxy.https_port",
     "1..65535"),
    ("proxy-https-port-big", ("krill", "proxy"), {"https_port": 65536}, "personal-as:krill.proxy.https_port",
     "1..65535"),
    ("proxy-http-port-zero", ("krill", "proxy"), {"http_port": 0}, "personal-as:krill.proxy.http_port", "1..65535"),
    ("proxy-ports-equal", ("krill", "proxy"), {"https_port": 8443, "http_port": 8443},
     "personal-as:krill.proxy.http_port", "is https_port too"),
    ("proxy-unknown-key", ("krill", "proxy"), {"port": 443}, "personal-as:krill.proxy.port", "unknown key"),
]


@pytest.mark.parametrize("path,value,key,words", [c[1:] for c in KRILL_BAD], ids=[c[0] for c in KRILL_BAD])
def test_bad_krill_settings_are_refused(path, value, key, words):
    with pytest.raises(ConfigError) as err:
        validate(with_change(LAB_RAW, path, value), LAB_SECRETS)
    message = str(err.value)
    assert key in message and words in message
    shown = value
    for part in key.removeprefix("personal-as:").split(".")[len(path):]:
        name, _, index = part.partition("[")
        shown = shown[name]
        if index:
            shown = shown[int(index.rstrip("]"))]
    assert f"{key} = {shown!r}" in message


def test_krill_proxy_without_a_plain_http_listener_is_accepted():
    cfg = validate(with_change(LAB_RAW, ("krill", "proxy"), {"http_port": None}), LAB_SECRETS)
    assert cfg.krill.proxy.http_port is None and cfg.krill.proxy.https_port == 443


MGMT_BAD = [
    ("not-a-network", LAB_RAW, "203.0.113.300/28", "host bits zero"),
    ("host-bits-set", LAB_RAW, "203.0.113.225/28", "host bits zero"),
    ("too-big", LAB_RAW, "203.0.113.0/24", "a /28 inside 203.0.113.0/24"),
    ("outside-documentation-space", LAB_RAW, "10.0.0.0/28", "a /28 inside 203.0.113.0/24"),
    ("ipv6", LAB_RAW, "2001:db8:fe::/124", "a /28 inside 203.0.113.0/24"),
    ("the-guests-own", LAB_RAW, "203.0.113.240/28", "vmlab guests' own"),
    ("outside-a-lab-world", PROD_NAMED, "203.0.113.208/28", "faces a lab world"),
]


@pytest.mark.parametrize("base,value,words", [c[1:] for c in MGMT_BAD], ids=[c[0] for c in MGMT_BAD])
def test_a_lab_management_network_must_be_a_documentation_28_of_its_own(base, value, words):
    secrets = LAB_SECRETS if base is LAB_RAW else PROD_SECRETS
    with pytest.raises(ConfigError) as err:
        validate(with_change(base, ("lab_mgmt_net",), value), secrets, check_files=False, placeholders_ok=True)
    message = str(err.value)
    assert "personal-as:lab_mgmt_net" in message and words in message and value in message


def test_each_lab_world_stack_gets_its_own_management_network():
    from components.lab_plan import plan

    lab = plan(validate(LAB_RAW, LAB_SECRETS, check_files=False, placeholders_ok=True))
    vmlab = plan(validate(with_change(VMLAB_RAW, ("lab_mgmt_net",), "203.0.113.208/28"), LAB_SECRETS,
                          check_files=False, placeholders_ok=True))
    assert lab.mgmt_gateway == "203.0.113.225/28" and lab.mgmt_addresses["vps"] == "203.0.113.226/28"
    assert vmlab.mgmt_gateway == "203.0.113.209/28"
    assert all(a.startswith("203.0.113.2") and 210 <= int(a.split(".")[3].split("/")[0]) <= 222
               for a in vmlab.mgmt_addresses.values())


def test_every_key_of_every_committed_stack_file_is_one_the_program_reads():
    """The program refuses unknown keys before validating: a section the
    model knows must be among them (images was not, once, and the lab's
    first `up` refused its own file)."""
    import yaml

    from components.config.load import KEYS
    from tests.stack_files import VMLAB

    for path in (LAB, VMLAB, PROD_EXAMPLE):
        keys = {k.split(":", 1)[1] for k in yaml.safe_load(path.read_text())["config"]}
        assert keys <= set(KEYS), (path.name, keys - set(KEYS))
