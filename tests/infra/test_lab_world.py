"""The world around the user: gw, transit (AS64496), peer (AS64497), client."""

from __future__ import annotations

import pytest

from tests.infra import route0
from tests.infra.bird import as_path, has_route, session_is_established, wait_until
from tests.infra.stack import config

pytestmark = pytest.mark.skipif(not config().faces_lab, reason="the stack faces no lab world (prod)")


def customer_protocol(cfg) -> str:
    return f"customer_as{cfg.asn}"


def test_transit_session_to_the_customer_is_established(transit, cfg):
    assert wait_until(lambda: session_is_established(transit, customer_protocol(cfg)), 90)


def test_transit_session_to_the_peer_is_established(transit):
    assert wait_until(lambda: session_is_established(transit, "peer"), 90)


@pytest.mark.parametrize("prefix", ["2001:db8:100::/48"])
def test_transit_holds_the_users_route(transit, cfg, prefix):
    assert prefix in cfg.prefixes
    # Right after an up the route waits at transit for its ROA to reach the
    # validator (slower from a TCG guest's Krill): returns as soon as it is there.
    assert wait_until(lambda: has_route(transit, prefix), 180)


def test_peer_sees_the_route_through_transit_from_the_user(peer, cfg):
    prefix = cfg.v6_networks[0]
    assert wait_until(lambda: has_route(peer, str(prefix)), 60)
    # Transit as the world sees it: a private session ASN (path_asn set) never shows.
    assert as_path(peer, str(prefix)) == f"{cfg.upstreams[0].public_asn} {cfg.asn}"


@pytest.mark.parametrize("host", ["gw", "transit", "peer"])
def test_routers_forward(request, host):
    assert request.getfixturevalue(host).sysctl("net.ipv6.conf.all.forwarding") == 1


def test_gw_routes_the_users_prefix_to_vps(gw, cfg, plan):
    assert f"via {plan.vps_link6}" in gw.check_output(f"ip -6 route show {cfg.v6_networks[0]}")


def test_gw_cannot_reach_vps_port_179(gw, cfg):
    """Only the configured neighbor may reach vps on TCP 179: from anywhere
    else the SYN is dropped silently (a timeout), not even refused."""
    vps4 = cfg.upstreams[0].source or cfg.router_id
    res = gw.run(f"timeout 4 bash -c '</dev/tcp/{vps4}/179'")
    assert res.rc == 124, (res.rc, res.stderr)


def test_gw_reaches_vps_port_22(gw, cfg):
    """The same path is open where the firewall allows it: the drop above is the rule's doing."""
    vps4 = cfg.upstreams[0].source or cfg.router_id
    res = gw.run(f"timeout 4 bash -c '</dev/tcp/{vps4}/22'")
    assert res.rc == 0, (res.rc, res.stderr)


def test_client_fetches_route0_across_three_ases(client, cfg):
    res = route0.fetch(client, cfg, timeout=5)
    assert res.rc == 0, res.stderr
    assert f"route0 of AS{cfg.asn}" in res.stdout


@pytest.mark.destructive
def test_client_fetch_fails_while_the_bgp_session_is_disabled(vps, client, peer, cfg):
    """The path really runs over BGP: no session, no route, no page."""
    prefix = str(cfg.v6_networks[0])
    up = cfg.upstreams[0].name
    vps.check_output(f"birdc -s /run/bird/bird.ctl disable {up}")
    try:
        assert wait_until(lambda: not has_route(peer, prefix), 30)
        assert not route0.answers(client, cfg)
    finally:
        vps.check_output(f"birdc -s /run/bird/bird.ctl enable {up}")
    assert wait_until(lambda: has_route(peer, prefix), 60)
    assert wait_until(lambda: route0.answers(client, cfg), 30)


def test_management_network_is_not_a_path_between_hosts(client):
    """Hosts share the management bridge with the machine, but it carries only
    SSH from the machine: not web traffic from one lab host to another."""
    from tests.infra.stack import ssh_address

    vps_mgmt = ssh_address("vps")[0]
    assert client.run(f"timeout 4 bash -c '</dev/tcp/{vps_mgmt}/80'").rc != 0
    assert client.run(f"timeout 4 bash -c '</dev/tcp/{vps_mgmt}/22'").rc != 0
