"""RPKI, for real: the RIR's Krill, the LIR under it, the user's own Krill
as a delegated child, a validator that trusts only the lab TAL, and
route-origin validation at transit."""

from __future__ import annotations

import ipaddress

import pytest

from tests.infra.bird import birdc, has_route, roa_verdict, wait_until
from tests.infra.krill import HEALTH as KRILL_HEALTH, krill_api, vrps


@pytest.fixture(scope="module")
def handle(cfg):
    return cfg.krill.handle


def test_users_krill_is_healthy(home):
    assert home.run(KRILL_HEALTH).rc == 0


def test_users_ca_has_lir_at_the_rir_as_its_parent(home, handle):
    parents = krill_api(home, f"cas/{handle}/parents")
    assert "lir" in str(parents)
    contact = krill_api(home, f"cas/{handle}/parents/lir")
    assert "https://rir.lab:3000/rfc6492/lir" in str(contact)


def test_users_ca_publishes_at_the_rirs_repository(home, handle):
    repo = krill_api(home, f"cas/{handle}/repo")
    assert "https://rir.lab:3000/rfc8181/" in str(repo)


def resource_blocks(text: str) -> list:
    """Krill's resource notation ("a/len, b-c") as networks; it aggregates
    adjacent blocks, so 100::/48 and 101::/48 come back as 100::/47."""
    blocks = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        if "-" in item:
            lo, hi = item.split("-")
            blocks += ipaddress.summarize_address_range(ipaddress.ip_address(lo), ipaddress.ip_address(hi))
        else:
            blocks.append(ipaddress.ip_network(item))
    return blocks


def test_users_ca_holds_the_users_prefixes_and_asn(home, cfg, handle):
    resources = krill_api(home, f"cas/{handle}")["resources"]
    for net in cfg.networks:
        held = resource_blocks(resources["ipv6" if net.version == 6 else "ipv4"])
        assert any(net.version == b.version and net.subnet_of(b) for b in held), (net, held)
    assert f"AS{cfg.asn}" in resources["asn"]


def test_roas_in_krill_are_exactly_the_stack_config(home, cfg, handle):
    have = {(int(str(r["asn"]).removeprefix("AS")), r["prefix"], r.get("max_length")) for r in
            krill_api(home, f"cas/{handle}/routes")}
    want = {(cfg.roa_origin(r), r.prefix, r.effective_max_length) for r in cfg.roas}
    assert have == want


def test_rir_runs_the_testbed_with_the_lir_as_its_child(rir):
    assert {"testbed", "lir"} <= {c["handle"] for c in krill_api(rir, "cas")["cas"]}
    assert "testbed" in str(krill_api(rir, "cas/lir/parents"))


def test_roa_is_published_in_the_repository(rir, handle):
    listing = rir.check_output("find /var/lib/krill/data/repo -name '*.roa' -path '*rsync*'")
    assert listing.strip(), "no ROA object in the repository"


def test_validator_trusts_only_the_lab_tal(validator):
    tals = validator.run("ls /etc/tals 2>/dev/null").stdout.split()
    assert tals == []


@pytest.mark.parametrize("field", ["asn", "prefix", "maxLength"])
def test_validator_holds_the_vrp(validator, cfg, field):
    roa = cfg.roas[0]
    want = {"asn": cfg.roa_origin(roa), "prefix": roa.prefix, "maxLength": roa.effective_max_length}
    assert wait_until(lambda: any(v["prefix"] == roa.prefix for v in vrps(validator)), 90)
    got = next(v for v in vrps(validator) if v["prefix"] == roa.prefix)
    assert got[field] == want[field]


def test_rtr_session_on_transit_is_established(transit):
    assert wait_until(lambda: "Established" in birdc(transit, "show protocols validator"), 60)


def test_transit_finds_the_users_route_rpki_valid(transit, cfg):
    prefix = str(cfg.v6_networks[0])
    assert wait_until(lambda: has_route(transit, prefix), 120)
    assert roa_verdict(transit, "r6", prefix, cfg.asn) == "valid"


def test_transit_rejects_an_origin_without_a_roa(transit, cfg):
    prefix = str(cfg.v6_networks[0])
    assert roa_verdict(transit, "r6", prefix, 64511) == "invalid"
