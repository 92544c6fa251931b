"""What the lab's default policy shows in the daemons: RFC 9234 roles
agreed with transit (and a mismatch refused), BFD up with transit, and the
user's large communities arriving at peer, two ASes away."""

from __future__ import annotations

import re

import pytest

from tests.infra.bird import birdc, route, session_state, wait_until

ROLE_CONF = "/etc/bird/role-test.conf"


def customer(cfg) -> str:
    return f"customer_as{cfg.asn}"


def capabilities(host, protocol: str) -> tuple[str, str]:
    """(local, neighbor) capability blocks of `show protocols all`."""
    out = birdc(host, f"show protocols all {protocol}")
    local = out.split("Local capabilities", 1)[1].split("Neighbor capabilities", 1)[0]
    neighbor = out.split("Neighbor capabilities", 1)[1].split("Session:", 1)[0]
    return local, neighbor


def test_vps_and_transit_agree_on_their_roles(vps, cfg):
    up = cfg.upstreams[0]
    local, neighbor = capabilities(vps, up.name)
    assert f"Role: {up.role}" in local
    assert "Role: provider" in neighbor


def test_bfd_runs_with_transit(vps, transit, cfg):
    up = cfg.upstreams[0]
    if not up.bfd:
        pytest.skip("this stack runs no BFD (vmlab: emulated guests stall past BFD's detection time)")
    assert re.search(rf"^{re.escape(up.neighbor)}\s+\S*\s+Up\s", birdc(vps, "show bfd sessions"), re.M)
    assert re.search(rf"^{re.escape(up.source or cfg.router_id)}\s+\S*\s+Up\s",
                     birdc(transit, "show bfd sessions"), re.M)
    assert "BFD" in vps.check_output("nft list table inet personal_as")


def test_large_communities_reach_peer(peer, cfg):
    prefix = str(cfg.v6_networks[0])
    seen = route(peer, prefix)
    assert cfg.communities, "the lab stacks set communities"
    for c in cfg.communities:
        assert f"({c.replace(':', ', ')})" in seen, seen


@pytest.fixture
def transit_says_peer(transit, vps, cfg):
    """transit running its own bird.conf with its role changed to peer."""
    transit.check_output(f"sed 's/local role provider;/local role peer;/' /etc/bird/bird.conf > {ROLE_CONF}")
    birdc(transit, f'configure "{ROLE_CONF}"')
    yield transit
    birdc(transit, 'configure "/etc/bird/bird.conf"')
    transit.check_output(f"rm -f {ROLE_CONF}")
    assert wait_until(lambda: session_state(vps, cfg.upstreams[0].name) == "Established", 150)


@pytest.mark.destructive
def test_a_role_mismatch_is_refused(transit_says_peer, vps, cfg):
    up = cfg.upstreams[0].name
    assert wait_until(lambda: "Role mismatch" in birdc(vps, f"show protocols all {up}"), 60)
    assert session_state(vps, up) != "Established"
