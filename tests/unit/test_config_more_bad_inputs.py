"""Inputs a review found accepted, now refused at preview with the key named:
an empty secret, a blackhole on route0, two sessions to one router, a
neighbour inside the user's own prefix; and no secret's value in any error,
whatever the key's name."""

from __future__ import annotations

import pytest

from components.config import ConfigError, validate
from components.config.errors import key_path
from tests.unit.test_config import LAB_RAW, LAB_SECRETS, with_change
from tests.unit.test_config_prod_path import PROD_SECRETS, filled


# Each class once on the lab stack, as tests/unit/test_config.py's BAD has
# its cases, for the lab tier's real-CLI test (tests/lab/test_1a_bad_input.py):
# (id, base, path, value, key, words).
LAB_BAD = [
    ("special-purpose-prefix6", LAB_RAW, ("prefixes",), ["2001:db8:100::/48", "2001:2::/48"],
     "personal-as:prefixes[1]", "benchmarking (RFC 5180)"),
    ("special-purpose-prefix4", LAB_RAW, ("prefixes",), ["2001:db8:100::/48", "198.18.0.0/24"],
     "personal-as:prefixes[1]", "benchmarking (RFC 2544)"),
    ("special-purpose-route0", LAB_RAW, ("route0",), "64:ff9b::1", "personal-as:route0",
     "IPv4-IPv6 translation (RFC 6052)"),
    ("special-purpose-blackhole", LAB_RAW, ("blackhole",), ["2002::1"], "personal-as:blackhole", "6to4 (RFC 3056)"),
    ("blackhole-on-route0", LAB_RAW, ("blackhole",), [LAB_RAW["route0"]], "personal-as:blackhole[0]",
     "is route0's address"),
    ("acme-email-with-backticks", LAB_RAW, ("acme", "email"), "`reboot`@example.net", "personal-as:acme.email",
     "letters, digits and . _ + - only"),
    ("neighbor-inside-own-prefix", LAB_RAW, ("prefixes",), ["2001:db8:100::/48", "198.51.100.0/24"],
     "personal-as:upstreams[0].neighbor", "is inside your own prefix 198.51.100.0/24"),
    ("krill-proxy-on-every-address", LAB_RAW, ("krill", "proxy"), {"listen": ["127.0.0.1", "::"]},
     "personal-as:krill.proxy.listen[1]", "binds every address of home"),
    ("control-character-in-free-text", LAB_RAW, ("irr", "admin", "address", 0), "Street 1\x1b[2J",
     "personal-as:irr.admin.address[0]", "holds the control character(s) U+001B"),
]


@pytest.mark.parametrize("path, value, key, words", [c[2:] for c in LAB_BAD], ids=[c[0] for c in LAB_BAD])
def test_each_class_is_refused_on_the_lab_stack_too(path, value, key, words):
    found = "\n".join(problems(with_change(LAB_RAW, path, value), LAB_SECRETS))
    assert key in found and words in found, found


def problems(raw, secrets) -> list[str]:
    with pytest.raises(ConfigError) as err:
        validate(raw, secrets, check_files=False)
    return err.value.problems


def one(raw, secrets, key: str) -> str:
    found = [p for p in problems(raw, secrets) if p.startswith((f"personal-as:{key} ", f"personal-as:{key}:"))]
    assert len(found) == 1, problems(raw, secrets)
    return found[0]


@pytest.mark.parametrize("value", ["", " ", "\t\n"], ids=["empty", "space", "blanks"])
def test_an_empty_or_blank_bgp_password_is_refused_not_taken_as_no_key(value):
    line = one(with_change(filled(), ("upstreams", 0, "password"), value), PROD_SECRETS, "upstreams[0].password")
    assert "zero-length TCP-MD5 key" in line and "[secret]" in line


def test_a_bgp_password_with_blanks_at_its_ends_is_refused():
    line = one(with_change(filled(), ("upstreams", 0, "password"), " s3cret "), PROD_SECRETS, "upstreams[0].password")
    assert "whitespace" in line and "s3cret" not in line


@pytest.mark.parametrize("path, value", [
    (("irr", "maintainer", "password"), " " * 20),
    (("krill", "admin_token"), " " * 20),
], ids=["irr-maintainer-password", "krill-admin-token"])
def test_other_secrets_of_only_blanks_are_refused(path, value):
    raw = with_change(filled(), path, value)
    secrets = PROD_SECRETS | {path[0]}
    line = one(raw, secrets, ".".join(path))
    assert "not counting blanks" in line


def test_route0_cannot_be_blackholed():
    raw = with_change(LAB_RAW, ("blackhole",), [LAB_RAW["route0"]])
    line = one(raw, LAB_SECRETS, "blackhole[0]")
    assert "route0's address" in line


def test_two_upstreams_to_one_router_are_refused():
    first = filled()["upstreams"][0]
    raw = with_change(filled(), ("upstreams",), [first, {**first, "name": "frantech2"}])
    line = one(raw, PROD_SECRETS, "upstreams[1].neighbor")
    assert "is upstreams[0].neighbor too" in line


def test_a_neighbour_inside_the_users_own_prefix_is_refused():
    raw = with_change(filled(), ("upstreams", 0, "neighbor"), "2a0f:85c1:362::1")
    raw = with_change(raw, ("upstreams", 0, "source"), None, delete=True)
    raw = with_change(raw, ("upstreams", 0, "next_hop6"), None, delete=True)
    line = one(raw, PROD_SECRETS, "upstreams[0].neighbor")
    assert "inside your own prefix 2a0f:85c1:362::/48" in line


def test_no_error_echoes_a_secret_whatever_the_keys_name():
    # A secret URL that is not a URL: the error says so, and shows no part of it.
    raw = with_change(filled(), ("monitoring", "webhook_url"), "hooks.example.net/T0KEN-s3cret")
    found = "\n".join(problems(raw, PROD_SECRETS | {"monitoring"}))
    assert "personal-as:monitoring.webhook_url = [secret]" in found and "T0KEN" not in found


# A regex anchored with `$` matches before a final newline: every name is
# matched whole instead, so "name\n" is refused like any other bad name.
@pytest.mark.parametrize("path, value", [
    (("hosts", "home", "user"), "admin\n"),
    (("upstreams", 0, "name"), "frantech\n"),
    (("krill", "handle"), "SETH-MB\n"),
    (("krill", "public_name"), "krill.as215634.net\n"),
    (("acme", "email"), "noc@as215634.net\n"),
    (("irr", "maintainer", "name"), "SETH-MNT\n"),
    (("irr", "admin", "nic_hdl"), "SE1234-RIPE\n"),
    (("irr", "as_name"), "SETH-AS\n"),
], ids=lambda v: ".".join(str(p) for p in v) if isinstance(v, tuple) else None)
def test_a_name_with_a_trailing_newline_is_refused(path, value):
    raw = with_change(filled(), path, value)
    key = ".".join(str(p) for p in path).replace(".0.", "[0].")
    found = "\n".join(problems(raw, PROD_SECRETS))
    assert f"personal-as:{key}" in found, found


# Control characters: no key has a use for one, secrets and free text
# included, and each is a way out of the file or command the value lands in.
@pytest.mark.parametrize("path, value, shown", [
    (("upstreams", 0, "password"), "s3cret\nprotocol", "[secret]"),
    (("irr", "maintainer", "password"), "pw\nadmin-c: EVIL-RIPE", "[secret]"),
    (("irr", "admin", "address", 0), "Street 1\x00", "'Street 1\\x00'"),
    (("hosts", "vps", "key_file"), "~/.ssh/id\x1b[31m", "'~/.ssh/id\\x1b[31m'"),
    (("irr", "admin", "address", 1), "Town\x85", "'Town\\x85'"),
], ids=["bgp-password-newline", "irr-password-newline", "address-nul", "key-file-escape", "address-c1"])
def test_a_control_character_is_refused_in_any_key_secrets_included(path, value, shown):
    raw = with_change(filled(), path, value)
    key = key_path(path)
    line = one(raw, PROD_SECRETS | {"irr", "upstreams"}, key)
    assert f"= {shown}: holds the control character" in line, line
    if shown == "[secret]":
        assert value.split("\n")[0] not in line


@pytest.mark.parametrize("path, value, words", [
    (("monitoring", "webhook_url"), "https://alerts.example.net/a b", "space"),
    (("monitoring", "webhook_url"), "https://alerts.example.net/`reboot`", "`"),
    (("monitoring", "webhook_url"), "https://alerts.example.net/é", "non-ASCII"),
    (("acme", "directory"), 'https://acme.example.net/dir"x', '"'),
    (("acme", "directory"), "https://[2001:db8::1/dir", "is not a URL"),
], ids=["webhook-space", "webhook-backtick", "webhook-non-ascii", "acme-quote", "acme-bad-host"])
def test_a_url_is_a_url_and_nothing_else(path, value, words):
    line = one(with_change(filled(), path, value), PROD_SECRETS | {"monitoring"}, ".".join(path))
    assert words in line, line


# The Krill proxy faces the internet only when the user says who may come.
@pytest.mark.parametrize("listen, words", [
    (["0.0.0.0"], "binds every address of home"),
    (["::1", "::"], "binds every address of home"),
    (["2a0f:85c1:362::1"], "binds a public address"),
])
def test_a_krill_proxy_beyond_loopback_and_lan_needs_allow_from(listen, words):
    raw = with_change(filled(), ("krill", "proxy", "listen"), listen)
    index = next(i for i, a in enumerate(listen) if a not in ("::1", "127.0.0.1"))
    assert words in one(raw, PROD_SECRETS, f"krill.proxy.listen[{index}]")
    allowed = with_change(raw, ("krill", "proxy", "allow_from"), ["192.168.1.0/24", "fd00:1::/64"])
    assert validate(allowed, PROD_SECRETS, check_files=False).krill.proxy.allow_from == ["192.168.1.0/24",
                                                                                         "fd00:1::/64"]


@pytest.mark.parametrize("listen", [["127.0.0.1", "::1"], ["192.168.1.20"], ["fd00:1::20"], ["fe80::1"]])
def test_loopback_and_lan_addresses_need_no_allow_from(listen):
    raw = with_change(filled(), ("krill", "proxy", "listen"), listen)
    assert validate(raw, PROD_SECRETS, check_files=False).krill.proxy.listen == listen


@pytest.mark.parametrize("allow_from, key, words", [
    ([], "krill.proxy.allow_from", "is empty"),
    (["192.168.1.1/24"], "krill.proxy.allow_from[0]", "host bits"),
    (["lan"], "krill.proxy.allow_from[0]", "missing prefix length"),
])
def test_a_bad_allow_from_is_refused(allow_from, key, words):
    raw = with_change(filled(), ("krill", "proxy", "allow_from"), allow_from)
    assert words in one(raw, PROD_SECRETS, key)
