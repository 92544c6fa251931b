"""The BGP policy keys (issue 14): roles, ROV at the edge, graceful
shutdown, blackholing, BFD and large communities. Each conflict is refused
at preview, naming the key."""

from __future__ import annotations

import pytest

from components.config import validate
from tests.unit.test_config import LAB_RAW, LAB_SECRETS, PROD_RAW, PROD_SECRETS, assert_refused, with_change

BAD = [
    ("role-bird-does-not-know", LAB_RAW, ("upstreams", 0, "role"), "downstream", "personal-as:upstreams[0].role",
     "'customer'"),
    ("blackhole-outside-the-prefixes", LAB_RAW, ("blackhole",), ["2001:db8:999::1"], "personal-as:blackhole[0]",
     "not inside any of prefixes"),
    ("blackhole-not-an-address", LAB_RAW, ("blackhole",), ["2001:db8:100::/64"], "personal-as:blackhole",
     "2001:db8:100::/64"),
    ("blackhole-twice", LAB_RAW, ("blackhole",), ["2001:db8:100::1", "2001:db8:100:0::1"], "personal-as:blackhole",
     "listed twice"),
    ("community-two-parts", LAB_RAW, ("communities",), ["65536:1"], "personal-as:communities",
     "write it as \"ASN:x:y\""),
    ("community-part-too-big", LAB_RAW, ("communities",), ["65536:4294967296:1"], "personal-as:communities",
     "0..4294967295"),
    ("community-reserved-admin", LAB_RAW, ("communities",), ["0:1:1"], "personal-as:communities", "reserved"),
    ("drain-time-negative", LAB_RAW, ("drain_time",), -1, "personal-as:drain_time", "greater than or equal"),
    ("validator-bad-port", LAB_RAW, ("validator", "port"), 0, "personal-as:validator.port", "1..65535"),
    ("validator-local-address-other-family", LAB_RAW, ("validator", "local_address"), "192.0.2.1",
     "personal-as:validator.local_address", "different families"),
    ("validator-local-address-not-an-address", LAB_RAW, ("validator", "local_address"), "vps.lab",
     "personal-as:validator.local_address", "vps.lab"),
]


@pytest.mark.parametrize("base,path,value,key,words", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_policy_value_is_refused_at_preview(base, path, value, key, words):
    assert_refused(base, path, value, key, words)


def test_a_blackhole_needs_an_upstream_that_accepts_it():
    raw = with_change(with_change(LAB_RAW, ("upstreams", 0, "blackhole"), False), ("blackhole",),
                      ["2001:db8:100::666"])
    with pytest.raises(Exception, match=r"personal-as:blackhole.*no upstream accepts blackholes"):
        validate(raw, LAB_SECRETS)


def test_safe_defaults_for_a_transit():
    cfg = validate(PROD_RAW, PROD_SECRETS, check_files=False, placeholders_ok=True)
    up = cfg.upstreams[0]
    assert (up.role, up.bfd, up.blackhole, up.maintenance) == ("customer", False, False, False)
    assert (cfg.blackhole, cfg.maintenance, cfg.communities, cfg.validator) == ([], False, [], None)
    assert not cfg.validates_imports


def test_maintenance_on_the_router_covers_every_upstream():
    cfg = validate(with_change(LAB_RAW, ("maintenance",), True), LAB_SECRETS)
    assert all(cfg.in_maintenance(u) for u in cfg.upstreams)


def test_communities_and_blackholes_are_normalised():
    cfg = validate(with_change(LAB_RAW, ("blackhole",), ["2001:DB8:100:0::666"]), LAB_SECRETS)
    assert cfg.blackhole == ["2001:db8:100::666"]
    assert validate(with_change(LAB_RAW, ("communities",), [" 65536:01:2 "]), LAB_SECRETS).communities == ["65536:1:2"]


def test_import_full_needs_a_validator():
    raw = with_change(with_change(LAB_RAW, ("upstreams", 0, "import"), "full"), ("validator",), None, delete=True)
    with pytest.raises(Exception, match=r"personal-as:validator: upstreams\[0\] \(transit\) has import full"):
        validate(raw, LAB_SECRETS)


SECOND = {"name": "peer", "asn": 64497, "neighbor": "2001:db8:ffff:6::1"}
LAB_SECOND = [
    ("second-upstream-not-the-peer-as", {"asn": 64499}, "personal-as:upstreams[1].asn", "its peer AS, AS64497"),
    ("second-upstream-elsewhere", {"neighbor": "2001:db8:ffff:3::2"}, "personal-as:upstreams[1].neighbor",
     "directly on its link to vps"),
    ("second-upstream-takes-blackholes", {"blackhole": True}, "personal-as:upstreams[1].blackhole",
     "takes no blackholes"),
]


@pytest.mark.parametrize("change,key,words", [c[1:] for c in LAB_SECOND], ids=[c[0] for c in LAB_SECOND])
def test_the_labs_second_upstream_is_the_peer_as_on_its_own_link(change, key, words):
    raw = with_change(LAB_RAW, ("upstreams",), [LAB_RAW["upstreams"][0], {**SECOND, **change}])
    with pytest.raises(Exception) as err:
        validate(raw, LAB_SECRETS)
    assert f"{key} = " in str(err.value) and words in str(err.value), str(err.value)


def test_the_labs_second_upstream_is_accepted():
    cfg = validate(with_change(LAB_RAW, ("upstreams",), [LAB_RAW["upstreams"][0], SECOND]), LAB_SECRETS)
    assert [u.name for u in cfg.upstreams] == ["transit", "peer"]
