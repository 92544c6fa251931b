"""A cut vps-gw link, with BFD and without: seconds from the cut until
peer (two ASes away) no longer has the user's route. With BFD, transit's
BFD session notices first; without, transit's hold timer expires. The
figures are medians of `runs` cuts each, and their ratio."""

from __future__ import annotations

import statistics
import time

from bench import lab
from tests.infra.stack import config

CUT = ("table inet lab_cut {{\n"
       "  chain i {{ type filter hook input priority -500; policy accept; iifname \"{0}\" drop; }}\n"
       "  chain f {{ type filter hook forward priority -500; policy accept; iifname \"{0}\" drop; oifname \"{0}\" drop; }}\n"
       "  chain o {{ type filter hook output priority -500; policy accept; oifname \"{0}\" drop; }}\n"
       "}}\n")


def _cut() -> None:
    for host, ifname in (("vps", "eth-gw"), ("gw", "eth-vps")):
        lab.run("docker", "exec", "-i", f"{lab.STACK}-{host}", "nft", "-f", "-", stdin=CUT.format(ifname))


def _restore() -> None:
    for host in ("vps", "gw"):
        lab.run("docker", "exec", f"{lab.STACK}-{host}", "nft", "delete", "table", "inet", "lab_cut", check=False)


def _withdrawn_after(prefix: str, upstream: str) -> float:
    lab.wait_for(lambda: lab.established("vps", upstream) and lab.has_route("peer", prefix), 180,
                 "the session and the route at peer")
    time.sleep(3)  # a settled session: BFD up and keepalives flowing
    start = time.monotonic()  # the link is down from the first of the two cuts
    _cut()
    try:
        lab.wait_for(lambda: not lab.has_route("peer", prefix), 60, "the route withdrawn at peer", interval=0.05)
        return time.monotonic() - start
    finally:
        _restore()


def measure(runs: int) -> dict:
    cfg = config()
    prefix, up = str(cfg.v6_networks[0]), cfg.upstreams[0]
    with_bfd = [_withdrawn_after(prefix, up.name) for _ in range(runs)]
    committed = lab.STACK_FILE.read_bytes()
    try:
        lab.run("pulumi", "config", "set", "--path", "upstreams[0].bfd", "false", "--stack", lab.STACK)
        lab.pulumi("up", "--yes", "--skip-preview")
        hold_only = [_withdrawn_after(prefix, up.name) for _ in range(runs)]
    finally:
        lab.STACK_FILE.write_bytes(committed)
        lab.pulumi("up", "--yes", "--skip-preview")
    bfd_s, hold_s = statistics.median(with_bfd), statistics.median(hold_only)
    return {"hold_time_s": up.hold_time, "bfd_cut_to_withdrawn_s": round(bfd_s, 2),
            "hold_cut_to_withdrawn_s": round(hold_s, 2), "hold_over_bfd": round(hold_s / bfd_s, 1),
            "bfd_runs_s": [round(x, 2) for x in with_bfd], "hold_runs_s": [round(x, 2) for x in hold_only]}
