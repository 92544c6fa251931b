"""vps with a second upstream: the lab's peer AS64497, directly on a link
of its own (added by one `up`, taken away by another).

- RFC 9234 roles: a route vps learned from transit is never sent to peer,
  even with the export filters loosened by mistake;
- RFC 8326 graceful shutdown on the transit session: transit moves to the
  path through peer, and nothing is withdrawn;
- BFD runs single-hop with peer too.
"""

from __future__ import annotations

import re

import pytest

from components.config.world import LAB_PEER_NEIGHBOR
from components.render.lab_bird import WORLD_VALID
from tests.infra import route0
from tests.infra.bird import as_path, birdc, exported_prefixes, has_route, route, session_is_established, wait_until
from tests.infra.stack import config
from tests.lab.conftest import STACK_FILE, pulumi

pytestmark = pytest.mark.destructive

BOUND_S = 60
LOOSE_CONF = "/etc/bird/loose-export.conf"


def set_config(path: str, value: str) -> None:
    pulumi("config", "set", "--path", path, value)


@pytest.fixture(scope="module")
def two_upstreams(lab_is_up, vps, peer, cfg):
    """peer as vps's second upstream, and import full from transit (so vps
    holds a route learned from one upstream). The module's last test takes
    it back; a failure before that puts the committed config back here."""
    backup = STACK_FILE.read_bytes()
    set_config("upstreams[0].import", "full")
    set_config("upstreams[1].name", "peer")
    set_config("upstreams[1].asn", "64497")
    set_config("upstreams[1].neighbor", LAB_PEER_NEIGHBOR)
    set_config("upstreams[1].hold_time", "9")
    set_config("upstreams[1].bfd", "true")
    pulumi("up", "--yes", "--skip-preview")
    state = {"backup": backup, "restored": False}
    yield state
    if not state["restored"]:
        STACK_FILE.write_bytes(backup)
        pulumi("up", "--yes", "--skip-preview")


def test_vps_has_two_upstreams_and_peer_hears_the_prefix_directly(two_upstreams, vps, peer, cfg):
    prefix = str(cfg.v6_networks[0])
    assert wait_until(lambda: session_is_established(vps, "transit") and session_is_established(vps, "peer"), BOUND_S)
    assert wait_until(lambda: as_path(peer, prefix) == str(cfg.asn), BOUND_S), route(peer, prefix)
    assert wait_until(lambda: has_route(vps, WORLD_VALID), BOUND_S), "vps learned transit's route"


def test_bfd_runs_single_hop_with_peer(two_upstreams, vps):
    assert wait_until(lambda: re.search(rf"^{re.escape(LAB_PEER_NEIGHBOR)}\s+eth-peer\s+Up\s",
                                        birdc(vps, "show bfd sessions"), re.M), BOUND_S)


@pytest.fixture
def loosened_vps(two_upstreams, vps):
    """vps running its own bird.conf with every export filter's prefix match
    taken out: the mistake a role must survive."""
    vps.check_output(f"sed '/if net !~ OWN_PREFIXES_V/d' /etc/bird/bird.conf > {LOOSE_CONF}")
    assert "net !~ OWN_PREFIXES_V6" not in vps.check_output(f"cat {LOOSE_CONF}")
    birdc(vps, f'configure "{LOOSE_CONF}"')
    yield vps
    birdc(vps, 'configure "/etc/bird/bird.conf"')
    vps.check_output(f"rm -f {LOOSE_CONF}")


def test_a_route_from_one_upstream_never_reaches_the_other(loosened_vps, peer, cfg):
    vps = loosened_vps
    route0_host = f"{cfg.route0_address}/128"
    # The loosened filter really does let more out: route0's own host route...
    assert wait_until(lambda: route0_host in exported_prefixes(vps, "peer"), 30)
    # ...but not what transit sent: BIRD marked it Only-to-Customer (from
    # transit, by the ASN its session speaks) on the way in, and a customer
    # exports no OTC route.
    assert f"BGP.otc: {cfg.upstreams[0].asn}" in route(vps, WORLD_VALID)
    assert WORLD_VALID not in exported_prefixes(vps, "peer")
    assert not wait_until(lambda: has_route(peer, WORLD_VALID), 10)


def test_maintenance_on_transit_moves_it_to_the_path_through_peer(two_upstreams, vps, transit, peer, client, cfg):
    prefix = str(cfg.v6_networks[0])
    assert as_path(transit, prefix) == str(cfg.asn), "transit prefers its customer while nobody is in maintenance"
    set_config("upstreams[0].maintenance", "true")
    pulumi("up", "--yes", "--skip-preview")
    assert wait_until(lambda: as_path(transit, prefix) == f"64497 {cfg.asn}", BOUND_S), route(transit, prefix)
    # Nothing was withdrawn: transit still holds the customer's own route,
    # at local-pref 0, and vps still announces to both.
    seen = route(transit, prefix)
    assert len(re.findall(r"BGP\.as_path:", seen)) == 2 and "BGP.local_pref: 0" in seen, seen
    assert prefix in exported_prefixes(vps, "transit") and prefix in exported_prefixes(vps, "peer")
    assert route0.answers(client, config())


def test_back_to_one_upstream_converges(two_upstreams, vps, transit, peer, cfg):
    STACK_FILE.write_bytes(two_upstreams["backup"])
    pulumi("up", "--yes", "--skip-preview")
    two_upstreams["restored"] = True
    prefix = str(cfg.v6_networks[0])
    assert wait_until(lambda: as_path(transit, prefix) == str(cfg.asn), BOUND_S), route(transit, prefix)
    assert "eth-peer" not in vps.check_output("ip -o link")
    assert "peer" not in re.findall(r"^(\w+)\s+BGP", birdc(vps, "show protocols"), re.M)
    pulumi("preview", "--expect-no-changes")
