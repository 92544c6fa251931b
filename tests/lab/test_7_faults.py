"""Faults on the user's router: BIRD killed, and the vps-gw link cut.

Each test breaks the running lab on purpose, asserts that it recovers, and
bounds the time it takes.
"""

from __future__ import annotations

import json
import re
import subprocess
import time

import pytest

from components.config.bgp_policy import BFD_INTERVAL_MS, BFD_MULTIPLIER
from tests.infra.bird import (
    birdc, has_route, neighbor_preserved_families, session_is_established, state_changed_at, wait_until,
    withdraws_received,
)
from tests.infra.stack import STACK

BIRD_CONTAINER = f"{STACK}-vps-bird"


def customer(cfg) -> str:
    return f"customer_as{cfg.asn}"


def container_state(name: str) -> dict:
    out = subprocess.run(["docker", "inspect", name], capture_output=True, text=True, check=True).stdout
    info = json.loads(out)[0]
    return {"pid": info["State"]["Pid"], "restarts": info["RestartCount"], "running": info["State"]["Running"]}


def cut(host, interface: str) -> None:
    """Drop everything in and out of one interface, as a failed link would."""
    host.check_output(
        "nft -f - <<'NFT'\n"
        "table inet lab_cut {\n"
        f"  chain cut_in {{ type filter hook input priority -500; policy accept; iifname \"{interface}\" drop; }}\n"
        f"  chain cut_fwd {{ type filter hook forward priority -500; policy accept; iifname \"{interface}\" drop; "
        f"oifname \"{interface}\" drop; }}\n"
        f"  chain cut_out {{ type filter hook output priority -500; policy accept; oifname \"{interface}\" drop; }}\n"
        "}\nNFT"
    )


def restore(host) -> None:
    host.run("nft delete table inet lab_cut")


NO_BFD_CONF = "/etc/bird/no-bfd-test.conf"


@pytest.fixture
def transit_without_bfd(transit, vps, peer, cfg):
    """transit running its own bird.conf with BFD taken off the customer's
    session: an upstream that does not run BFD, which graceful restart is
    for (see the BFD test below for why)."""
    transit.check_output(f"sed '/^  bfd {{/d' /etc/bird/bird.conf > {NO_BFD_CONF}")
    assert "\n  bfd {" not in transit.check_output(f"cat {NO_BFD_CONF}")
    birdc(transit, f'configure "{NO_BFD_CONF}"')
    prefix, up = str(cfg.v6_networks[0]), cfg.upstreams[0].name
    # vps still asks for BFD: its session goes down once transit stops
    # answering, and vps resets BGP then. Wait for that to be over: BFD
    # down for good (a session that never comes up again resets nothing),
    # BGP and the route back.
    assert wait_until(lambda: not re.search(r"\sUp\s", birdc(vps, "show bfd sessions")), 30)
    assert wait_until(lambda: session_is_established(vps, up) and has_route(peer, prefix), 120)
    yield transit
    birdc(transit, 'configure "/etc/bird/bird.conf"')
    transit.check_output(f"rm -f {NO_BFD_CONF}")
    assert wait_until(lambda: session_is_established(vps, up) and has_route(peer, prefix), 120)


@pytest.mark.destructive
def test_bird_killed_restarts_and_graceful_restart_keeps_the_route(lab_is_up, vps, transit_without_bfd, peer, cfg):
    transit = transit_without_bfd
    prefix, up = str(cfg.v6_networks[0]), cfg.upstreams[0].name
    assert wait_until(lambda: session_is_established(vps, up) and has_route(peer, prefix), 120)
    before = container_state(BIRD_CONTAINER)
    withdraws = withdraws_received(peer, up)

    # A crash, not a stop: SIGKILL leaves BIRD no chance to say goodbye.
    subprocess.run(["kill", "-KILL", str(before["pid"])], check=True)
    killed_at, start = time.time(), time.monotonic()
    lost = []
    while not (time.monotonic() - start > 3 and session_is_established(vps, up)):
        # Through the restart, transit keeps the route (stale) and peer never loses it.
        if not has_route(transit, prefix) or not has_route(peer, prefix):
            lost.append(round(time.monotonic() - start, 1))
        assert time.monotonic() - start < 60, "the session did not come back within 60 s"
        time.sleep(0.2)
    # By transit's own clock of the session, not this loop's polling.
    back = state_changed_at(transit, customer(cfg)) - killed_at
    print(f"BIRD on vps killed: Established again at transit after {back:.1f}s")

    after = container_state(BIRD_CONTAINER)
    assert after["running"] and after["pid"] != before["pid"]
    assert after["restarts"] == before["restarts"] + 1, "docker, not the test, restarted BIRD"
    assert not lost, f"the route was missing at transit or peer at {lost} s"
    # The new BIRD said it kept forwarding: it came back with -R.
    assert neighbor_preserved_families(transit, customer(cfg)) == ["ipv6"]
    assert withdraws_received(peer, up) == withdraws, "peer saw the route withdrawn"
    # The new BIRD reconnected by itself (connect delay 1 s), before transit's
    # own reconnect (4-5 s after it saw the session go) could cross it.
    assert back < 4, f"the session took {back:.1f}s to come back: transit's own reconnect raced vps's"


@pytest.mark.destructive
def test_with_bfd_a_killed_bird_is_a_dead_path_to_transit_and_comes_back(lab_is_up, vps, transit, peer, cfg):
    """BIRD runs BFD in its own process (RFC 5880's C bit clear): when BIRD
    dies, so does BFD, and transit cannot tell that from a dead path. It
    withdraws at once instead of waiting out a graceful restart, and takes
    the route back when the new BIRD comes up. The trade-off `bfd: true`
    makes (README: BGP policy at the edge)."""
    prefix, up = str(cfg.v6_networks[0]), cfg.upstreams[0].name
    assert cfg.upstreams[0].bfd, "the lab stack runs BFD with transit"
    assert wait_until(lambda: session_is_established(vps, up) and has_route(peer, prefix), 120)
    before = container_state(BIRD_CONTAINER)
    start = time.monotonic()
    subprocess.run(["kill", "-KILL", str(before["pid"])], check=True)
    assert wait_until(lambda: not has_route(peer, prefix), BFD_INTERVAL_MS * BFD_MULTIPLIER / 1000 + 3, 0.1)
    gone = time.monotonic() - start
    assert wait_until(lambda: session_is_established(vps, up) and has_route(peer, prefix), 60, 0.5)
    print(f"BIRD on vps killed with BFD on: withdrawn at peer after {gone:.1f}s, "
          f"back after {time.monotonic() - start:.1f}s")
    after = container_state(BIRD_CONTAINER)
    assert after["restarts"] == before["restarts"] + 1, "docker, not the test, restarted BIRD"


@pytest.mark.destructive
def test_link_cut_withdraws_the_route_within_bfds_detection_time_and_restore_recovers(
        lab_is_up, vps, gw, transit, peer, cfg):
    prefix, up = str(cfg.v6_networks[0]), cfg.upstreams[0].name
    hold = cfg.upstreams[0].hold_time
    assert hold, "the lab stack sets hold_time: the 240 s default is not a bound"
    assert cfg.upstreams[0].bfd, "the lab stack runs BFD with transit"
    detect = BFD_INTERVAL_MS * BFD_MULTIPLIER / 1000
    assert wait_until(lambda: session_is_established(vps, up) and has_route(peer, prefix), 120)
    # Timed from before the cut: the two cuts take a few tenths of a second
    # over SSH, and the link is down from the first.
    start = time.monotonic()
    cut(vps, "eth-gw")
    cut(gw, "eth-vps")
    try:
        # BFD on transit notices within its detection time (0.9 s) and
        # takes the session down, which withdraws towards peer; the bound
        # allows 3 s for that and for the poll, well under the hold time.
        bound = detect + 3
        assert bound < hold
        assert wait_until(lambda: not has_route(peer, prefix), bound, interval=0.1)
        gone = time.monotonic() - start
        print(f"link cut: route withdrawn at peer after {gone:.1f}s (BFD detection {detect}s, hold time {hold}s)")
        assert not session_is_established(vps, up)
    finally:
        restore(vps)
        restore(gw)
    start = time.monotonic()
    # Transit retries after its error wait time, vps after one hold time at
    # most (it may have backed off once); then the session and the route.
    bound = max(20, 2 * hold) + hold + 20
    assert wait_until(lambda: session_is_established(vps, up) and has_route(peer, prefix), bound, interval=0.5)
    print(f"link restored: route back at peer after {time.monotonic() - start:.1f}s (bound {bound}s)")
