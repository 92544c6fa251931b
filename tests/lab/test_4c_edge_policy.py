"""BGP policy at the user's edge, each proved on the wire with one config
change and one `up` (and one more to take it back):

- route-origin validation on vps with `import: full`: transit feeds a VALID
  and an INVALID route, and only the VALID one is in vps's table;
- blackholing (RFC 7999): a host inside the /48 that client reached stops
  being reachable, dropped at transit; route0 stays up; taking the entry
  out restores it;
- maintenance (RFC 8326): transit sees GRACEFUL_SHUTDOWN and lowers the
  route's preference, nothing is withdrawn, and `up` waited drain_time.
"""

from __future__ import annotations

import re
import time

import pytest

from components.render.lab_bird import WORLD_INVALID, WORLD_VALID
from tests.infra import route0
from tests.infra.bird import birdc, has_route, route, session_is_established, wait_until
from tests.infra.stack import config
from tests.lab.conftest import STACK_FILE, pulumi

pytestmark = pytest.mark.destructive

VICTIM = "2001:db8:100::666"  # a host inside the user's /48, under "attack"
BOUND_S = 60


def reaches(client, address: str) -> bool:
    return client.run(f"ping -6 -c 1 -W 2 {address}").rc == 0


def customer(cfg) -> str:
    return f"customer_as{cfg.asn}"


@pytest.fixture(scope="module")
def policy_applied(lab_is_up, request, vps, client):
    """The victim host exists on vps and client reaches it; then one `up`
    with import full, the victim blackholed and vps in maintenance. The
    module's last test takes it all back."""
    backup = STACK_FILE.read_bytes()
    vps.check_output(f"ip -6 addr replace {VICTIM}/128 dev dummy0")
    assert wait_until(lambda: reaches(client, VICTIM), 30), "client never reached the victim host"
    pulumi("config", "set", "--path", "upstreams[0].import", "full")
    pulumi("config", "set", "--path", "blackhole[0]", VICTIM)
    pulumi("config", "set", "--path", "maintenance", "true")
    start = time.monotonic()
    pulumi("up", "--yes", "--skip-preview")
    took = time.monotonic() - start
    state = {"up_seconds": took, "backup": backup, "restored": False}
    yield state
    if not state["restored"]:  # a test failed before the last one: put the lab back
        STACK_FILE.write_bytes(backup)
        pulumi("up", "--yes", "--skip-preview")
    vps.run(f"ip -6 addr del {VICTIM}/128 dev dummy0")


def test_rov_at_the_edge_keeps_the_valid_route_and_rejects_the_invalid(policy_applied, vps, transit, cfg):
    # transit really sends both...
    exported = birdc(transit, f"show route export {customer(cfg)}")
    assert WORLD_VALID in exported and WORLD_INVALID in exported, exported
    # ...and vps keeps only the one RPKI says is VALID.
    assert wait_until(lambda: has_route(vps, WORLD_VALID), BOUND_S)
    assert not has_route(vps, WORLD_INVALID)
    rpki = birdc(vps, "show protocols rpki_validator")
    assert re.search(r"rpki_validator\s+RPKI\s+\S+\s+up\s", rpki), rpki


def test_a_blackholed_host_is_dropped_at_transit_and_route0_stays(policy_applied, transit, peer, client):
    host_route = f"{VICTIM}/128"
    assert wait_until(lambda: "blackhole" in transit.check_output(f"ip -6 route show {host_route}"), BOUND_S)
    # NO_EXPORT: the /128 goes no further than transit.
    assert not has_route(peer, host_route)
    assert not reaches(client, VICTIM)
    assert route0.answers(client, config())


def test_maintenance_lowers_preference_at_transit_and_withdraws_nothing(policy_applied, transit, peer, client, cfg):
    prefix = str(cfg.v6_networks[0])
    seen = route(transit, prefix)
    assert "(65535,0)" in seen and "BGP.local_pref: 0" in seen, seen
    assert has_route(peer, prefix) and route0.answers(client, config())
    assert policy_applied["up_seconds"] >= cfg.drain_time


def test_taking_the_policy_back_restores_the_host_and_the_preference(policy_applied, vps, transit, client, cfg):
    STACK_FILE.write_bytes(policy_applied["backup"])
    pulumi("up", "--yes", "--skip-preview")
    policy_applied["restored"] = True
    assert wait_until(lambda: reaches(client, VICTIM), BOUND_S)
    assert "BGP.local_pref: 0" not in route(transit, str(cfg.v6_networks[0]))
    assert not has_route(vps, WORLD_VALID), "import none again: vps keeps no routes from transit"
    assert session_is_established(vps, cfg.upstreams[0].name)
    pulumi("preview", "--expect-no-changes")
