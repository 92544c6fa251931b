"""vps: the user's router, as the seed built it by hand."""

from __future__ import annotations

import time

import pytest

from tests.infra.bird import birdc, exported_prefixes, session_is_established, wait_until
from tests.infra import stack
from tests.infra.engine import on_engine, spec_kind
from tests.infra.stack import config

UPSTREAMS = [u.name for u in config().upstreams]


@pytest.mark.parametrize("upstream", UPSTREAMS)
def test_bgp_session_to_upstream_is_established(vps, upstream):
    assert wait_until(lambda: session_is_established(vps, upstream), 90)


@pytest.mark.parametrize("upstream", UPSTREAMS)
def test_only_the_users_prefixes_are_exported(vps, cfg, upstream):
    assert sorted(exported_prefixes(vps, upstream)) == sorted(cfg.prefixes)


@pytest.mark.parametrize("upstream", UPSTREAMS)
def test_session_uses_tcp_md5_multihop_and_graceful_restart(vps, cfg, upstream):
    up = next(u for u in cfg.upstreams if u.name == upstream)
    out = birdc(vps, f"show protocols all {upstream}")
    assert "Graceful restart" in out
    assert f"Neighbor AS:      {up.asn}" in out
    assert f"Local AS:         {cfg.asn}" in out
    if up.multihop:
        assert "multihop" in out
    conf = vps.file("/etc/bird/bird.conf")
    assert conf.contains(f"multihop {up.multihop};") if up.multihop else True
    assert conf.contains("password ")


def test_bird_conf_holds_the_password_readable_only_by_bird(vps):
    conf = vps.file("/etc/bird/bird.conf")
    assert conf.mode == 0o600
    assert conf.user == "bird"


def test_prefix_interface_holds_route0(vps, cfg):
    addresses = [str(a) for a in vps.interface("dummy0").addresses]
    assert cfg.route0_address in addresses


def test_route0_address_is_not_tentative(vps, cfg):
    assert "tentative" not in vps.check_output("ip -6 addr show dev dummy0")


@pytest.mark.parametrize("key", ["net.ipv6.conf.all.forwarding", "net.ipv4.ip_forward"])
def test_forwarding_is_on(vps, key):
    assert vps.sysctl(key) == 1


def test_static_default_route_via_gw(vps, plan):
    gw4 = [a.split("/")[0] for i, a in plan.addresses_of("gw") if i == "eth-vps" and ":" not in a][0]
    assert f"default via {gw4}" in vps.check_output("ip -4 route show default")


def test_nginx_answers_on_route0(vps, cfg):
    # Plain bash, no curl: a fresh VPS has none, and the stack installs
    # nothing it does not use.
    request = "GET / HTTP/1.0\\r\\nHost: route0\\r\\n\\r\\n"
    out = vps.check_output(
        f"timeout 5 bash -c 'exec 3<>/dev/tcp/{cfg.route0_address}/80; printf \"{request}\" >&3; cat <&3'")
    if cfg.acme:
        # Plain HTTP sends everyone to HTTPS, by the name its certificate is for.
        assert out.startswith("HTTP/1.1 301")
        assert f"Location: https://{cfg.acme.route0_name}/\r\n" in out
    else:
        assert out.startswith("HTTP/1.1 200")
        assert f"route0 of AS{cfg.asn}" in out


def test_nginx_listens_only_on_route0(vps, cfg):
    assert vps.socket(f"tcp://{cfg.route0_address}:80").is_listening


def test_firewall_admits_bgp_only_from_the_neighbor(vps, cfg):
    rules = vps.check_output("nft list table inet personal_as")
    assert "policy drop" in rules
    for u in cfg.upstreams:
        assert f"saddr {u.neighbor} tcp dport 179 accept" in rules
    assert rules.count("dport 179") == len(cfg.upstreams)


def test_bird_and_nginx_run_in_their_own_containers(vps):
    for service in ("bird", "nginx"):
        top = on_engine(vps, "vps", f"docker top {stack.STACK}-vps-{service} -o pid,comm").split()
        assert service in top, (service, top)


def test_vps_forwards_and_still_takes_its_providers_router_advertisements(vps):
    """Where the uplink's router advertises itself (the lab's gw does, as
    many providers do), the RA default route stays with forwarding on: it is
    refreshed by each RA, not left to expire."""
    if spec_kind("vps") != "lab":
        pytest.skip("the lab's gw advertises itself to a lab vps only")
    assert vps.check_output("sysctl -n net.ipv6.conf.all.forwarding") == "1"
    assert vps.check_output("sysctl -n net.ipv6.conf.eth-gw.accept_ra") == "2"

    def expires() -> int:
        route = vps.check_output("ip -6 route show default proto ra dev eth-gw")
        assert " expires " in route, f"no default route from RAs on eth-gw: {route!r}"
        return int(route.split(" expires ")[1].split("sec")[0])

    first = expires()
    time.sleep(5)
    # Unrefreshed it would be 5 s shorter; an RA every 3-4 s renews it.
    assert expires() > first - 5
