"""The stack config refuses bad input with the key, the value and the fix."""

from __future__ import annotations

import copy

import pytest

from components.config import ConfigError, validate
from tests.stack_files import LAB, PROD_EXAMPLE, load_stack_file

LAB_RAW, LAB_SECRETS = load_stack_file(LAB)
PROD_RAW, PROD_SECRETS = load_stack_file(PROD_EXAMPLE)


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


def test_committed_lab_stack_is_valid():
    cfg = validate(LAB_RAW, LAB_SECRETS)
    assert cfg.is_lab
    assert cfg.asn == 65536


def test_prod_example_is_valid_and_not_a_lab():
    cfg = validate(PROD_RAW, PROD_SECRETS)
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
    ("asn-private-in-prod", PROD_RAW, ("asn",), 64512, "personal-as:asn", "only in a lab stack"),
    ("asn-documentation-in-prod", PROD_RAW, ("asn",), 65536, "personal-as:asn", "only in a lab stack"),
    ("upstream-asn-private-in-prod", PROD_RAW, ("upstreams", 0, "asn"), 64496, "personal-as:upstreams[0].asn",
     "only in a lab stack"),
    ("router-id-v6", LAB_RAW, ("router_id",), "2001:db8::1", "personal-as:router_id", "IPv4"),
    ("router-id-garbage", LAB_RAW, ("router_id",), "router", "personal-as:router_id", "IPv4"),
    ("prefix-malformed", LAB_RAW, ("prefixes",), ["2001:db8:100::/129"], "personal-as:prefixes[0]", "not a valid"),
    ("prefix-no-length", LAB_RAW, ("prefixes",), ["2001:db8:100::"], "personal-as:prefixes[0]", "missing prefix length"),
    ("prefix-host-bits", LAB_RAW, ("prefixes",), ["2001:db8:100::1/48"], "personal-as:prefixes[0]", "host bits"),
    ("prefix-v6-too-long", LAB_RAW, ("prefixes",), ["2001:db8:100::/56"], "personal-as:prefixes[0]",
     "will not propagate"),
    ("prefix-v4-too-long", LAB_RAW, ("prefixes",), ["2001:db8:100::/48", "192.0.2.0/25"], "personal-as:prefixes[1]",
     "will not propagate"),
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


@pytest.mark.parametrize("base,path,value,key,words", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_value_is_refused_with_key_value_and_fix(base, path, value, key, words):
    secrets = LAB_SECRETS if base is LAB_RAW else PROD_SECRETS
    with pytest.raises(ConfigError) as err:
        validate(with_change(base, path, value), secrets)
    message = str(err.value)
    assert key in message
    assert words in message
    leaf = value[-1] if isinstance(value, list) and value else value
    if "password" not in path and key != "personal-as":
        assert f"{key} = {leaf!r}" in message or f"{key} = {value!r}" in message


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
    with pytest.raises(ConfigError, match="only in a lab stack"):
        validate(raw, LAB_SECRETS)


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
