"""vps keeps the IPv6 default route its provider's router advertises, with
forwarding on: gw (the lab's provider router, BIRD's radv) sends RAs with a
12 s router lifetime on its link to vps. A host at accept_ra 1 stops
listening once it forwards, and loses the route when the lifetime runs out;
the stack moves such interfaces to 2, sees one put back to 1 as drift, and
`up` restores it."""

from __future__ import annotations

import json

import pytest

from components.render.lab_bird import GW_RA_LIFETIME_S
from tests.infra.bird import wait_until
from tests.lab.conftest import changed_resources, pulumi

# Puts vps's uplink back to the kernel's default by hand; `up` restores it.
pytestmark = pytest.mark.destructive

UPLINK = "eth-gw"


def ra_default(vps) -> str:
    """vps's live default route from RAs on the uplink, or "": the kernel
    lists an expired one (negative `expires`) until its garbage collection
    runs, but no longer routes by it."""
    route = vps.check_output(f"ip -6 route show default proto ra dev {UPLINK}")
    if " expires -" in route or " expires 0sec" in route:
        return ""
    return route


def urn_of(name: str) -> str:
    state = json.loads(pulumi("stack", "export").stdout)
    return next(r["urn"] for r in state["deployment"]["resources"] if r["urn"].endswith(f"::{name}"))


def test_an_uplink_put_back_to_accept_ra_1_loses_the_route_is_drift_and_up_restores_it(lab_is_up, vps):
    assert vps.check_output("sysctl -n net.ipv6.conf.all.forwarding") == "1"
    assert vps.check_output(f"sysctl -n net.ipv6.conf.{UPLINK}.accept_ra") == "2"
    assert "via fe80::" in ra_default(vps)

    vps.check_output(f"sysctl -qw net.ipv6.conf.{UPLINK}.accept_ra=1")
    # Forwarding on and accept_ra 1: RAs go unheard, and the route expires.
    assert wait_until(lambda: ra_default(vps) == "", GW_RA_LIFETIME_S + 10), ra_default(vps)

    target = ["--target", urn_of("vps-network-provision")]
    assert "vps-network-provision" in changed_resources(pulumi("preview", "--json", *target).stdout)
    pulumi("up", "--yes", "--skip-preview", *target)
    assert vps.check_output(f"sysctl -n net.ipv6.conf.{UPLINK}.accept_ra") == "2"
    # The next RA (every 3-4 s) brings the route back.
    assert wait_until(lambda: "via fe80::" in ra_default(vps), 15)
    pulumi("preview", "--expect-no-changes", *target)
