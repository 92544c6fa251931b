"""BGP policy at the user's edge, each proved on the wire with one config
change and one `up` (and one more to take it back):

- route-origin validation on vps with `import: full`: transit feeds a VALID
  and an INVALID route, and only the VALID one is in vps's table; vps's RTR
  session comes from the `local_address` the stack names, not from the
  address its kernel would pick;
- blackholing (RFC 7999): a host inside the /48 that client reached stops
  being reachable, dropped at transit; route0 stays up; taking the entry
  out restores it;
- maintenance (RFC 8326): transit sees GRACEFUL_SHUTDOWN and lowers the
  route's preference, nothing is withdrawn, and `up` waited drain_time;
- the import limit (`max_prefixes`, action block): transit offers more
  routes than the limit, vps takes the limit's worth and refuses the rest,
  the session is never restarted, the user's prefix stays announced (at
  peer) and VALID (at transit), and ImportLimitHit fires.
"""

from __future__ import annotations

import re
import time

import pytest

from components.render.lab_bird import WORLD_INVALID, WORLD_VALID
from tests.infra import route0
from tests.infra.bird import birdc, has_route, route, session_is_established, wait_until
from tests.infra.monitoring import firing
from tests.infra.stack import config
from tests.lab.test_6_restarts import is_valid
from tests.lab.conftest import STACK_FILE, pulumi

pytestmark = pytest.mark.destructive

VICTIM = "2001:db8:100::666"  # a host inside the user's /48, under "attack"
BOUND_S = 60
# vps takes at most this many IPv6 routes from transit here: well above
# what the lab's transit sends (a default, the lab's internet and peer's
# routes), well below what the flood below adds.
LIMIT6 = 30
FLOOD = [f"2001:db8:f0{i:02x}::/48" for i in range(40)]  # documentation space, no ROA: NOT_FOUND
TRANSIT_CONF = "/etc/bird/bird.conf"


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
    pulumi("config", "set", "--path", "upstreams[0].max_prefixes.ipv6", str(LIMIT6))
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


def rtr_peers(validator, port: int) -> set[str]:
    """The addresses the validator's RTR server has sessions from, as its
    kernel sees them."""
    out = validator.check_output(f"ss -Htn state established '( sport = :{port} )'")
    return set(re.findall(r"\[([0-9a-f:]+)\]:\d+\s*$", out, re.M))


def test_vps_asks_the_validator_from_its_configured_local_address(policy_applied, vps, validator, cfg):
    local = cfg.validator.local_address
    assert local, "the lab's stack names the RTR session's local address"
    # On its own, vps's kernel would pick another of its addresses...
    picked = vps.check_output(f"ip -6 route get {cfg.validator.address}")
    assert f" src {local} " not in f"{picked} ", picked
    # ...and the validator has the session from the one BIRD was told.
    assert wait_until(lambda: local in rtr_peers(validator, cfg.validator.port), BOUND_S), \
        rtr_peers(validator, cfg.validator.port)


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


def imported6(vps, protocol: str) -> int:
    out = birdc(vps, f"show protocols all {protocol}")
    m = re.search(r"Channel ipv6.*?Routes:\s+(\d+) imported", out, re.S)
    assert m, out
    return int(m.group(1))


def since(vps, protocol: str) -> str:
    """When the session last changed state, as BIRD prints it."""
    line = next(x for x in birdc(vps, f"show protocols {protocol}").splitlines() if x.startswith(protocol))
    return " ".join(line.split()[4:6])


def test_routes_beyond_the_import_limit_are_refused_and_the_session_and_prefix_stay(
        policy_applied, vps, transit, peer, home, client, cfg):
    up = cfg.upstreams[0].name
    before = imported6(vps, up)
    assert before < LIMIT6, f"the lab sends {before} routes already: raise LIMIT6"
    established_since = since(vps, up)
    # transit offers FLOOD more: written into its lab_internet and re-read.
    transit.check_output(f"cp -p {TRANSIT_CONF} {TRANSIT_CONF}.before-flood")  # owner and mode too
    routes = "".join(f"  route {r} unreachable;\\n" for r in FLOOD)
    transit.check_output(f"sed -i '/^protocol static lab_internet {{/,/^}}/ s|^}}|{routes}}}|' {TRANSIT_CONF}")
    try:
        assert "Reconfigured" in birdc(transit, "configure"), "transit did not take the flood"
        assert wait_until(lambda: sum(r in birdc(transit, f"show route export {customer(cfg)}") for r in FLOOD)
                          == len(FLOOD), BOUND_S), "transit never offered the flood"
        # vps takes the limit's worth and refuses the rest; nothing restarts.
        assert wait_until(lambda: imported6(vps, up) == LIMIT6, BOUND_S), imported6(vps, up)
        assert session_is_established(vps, up) and since(vps, up) == established_since
        # The user's prefix stays announced (at peer, across transit) and
        # VALID (at transit's validator).
        prefix = str(cfg.v6_networks[0])
        assert has_route(peer, prefix) and route0.answers(client, config())
        assert is_valid(transit, cfg)
        # The operator is told: the table is partial.
        assert wait_until(lambda: any(a["labels"]["alertname"] == "ImportLimitHit" and
                                      a["labels"].get("upstream") == up for a in firing(home)), 90), firing(home)
        assert imported6(vps, up) == LIMIT6
    finally:
        transit.check_output(f"mv {TRANSIT_CONF}.before-flood {TRANSIT_CONF}")
        birdc(transit, "configure")
    assert wait_until(lambda: imported6(vps, up) == before, BOUND_S)
    assert since(vps, up) == established_since


def test_taking_the_policy_back_restores_the_host_and_the_preference(policy_applied, vps, transit, client, cfg):
    STACK_FILE.write_bytes(policy_applied["backup"])
    pulumi("up", "--yes", "--skip-preview")
    policy_applied["restored"] = True
    assert wait_until(lambda: reaches(client, VICTIM), BOUND_S)
    assert "BGP.local_pref: 0" not in route(transit, str(cfg.v6_networks[0]))
    assert not has_route(vps, WORLD_VALID), "import none again: vps keeps no routes from transit"
    assert session_is_established(vps, cfg.upstreams[0].name)
    pulumi("preview", "--expect-no-changes")
