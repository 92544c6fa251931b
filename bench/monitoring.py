"""Monitoring's cost and speed: the RSS of each exporter on vps (it counts
against a 512 MB VPS) and of Prometheus and Alertmanager on home, and the
time from a cut vps-gw link to BGPSessionDown delivered at the lab's
receiver (median of `runs` cuts)."""

from __future__ import annotations

import json
import statistics
import time

from bench import lab
from bench.bfd import _cut, _restore
from components.alert_receiver import RECEIVED_FILE
from tests.infra.stack import config

# Process names as /proc/<pid>/status shows them (15 characters at most).
VPS_EXPORTERS = ("prometheus-node", "prometheus-bird")
HOME_DAEMONS = ("prometheus", "prometheus-aler", "prometheus-node", "ssh")


def _rss(host: str, names: tuple[str, ...]) -> dict[str, float]:
    procs = lab.process_memory(f"{lab.STACK}-{host}")
    return {n: lab.mib(sum(rss for name, _, rss in procs if name == n)) for n in names}


def _delivered_after(since: float, upstream: str) -> float | None:
    out = lab.docker_exec(f"{lab.STACK}-client", f"cat {RECEIVED_FILE} 2>/dev/null || true")
    for line in out.splitlines():
        n = json.loads(line)
        if n["received_at"] >= since and any(
                a["labels"].get("alertname") == "BGPSessionDown" and a["status"] == "firing"
                and a["labels"].get("upstream") == upstream for a in n["payload"]["alerts"]):
            return n["received_at"] - since
    return None


def _cut_to_alert(prefix: str, upstream: str) -> float:
    lab.wait_for(lambda: lab.established("vps", upstream) and lab.has_route("peer", prefix), 240,
                 "the session and the route at peer")
    time.sleep(30)  # the previous alert resolved and Prometheus has fresh samples
    since = float(lab.docker_exec(f"{lab.STACK}-client", "date +%s.%N"))
    _cut()
    try:
        lab.wait_for(lambda: _delivered_after(since, upstream) is not None, 180, "BGPSessionDown delivered")
        return _delivered_after(since, upstream) or 0.0
    finally:
        _restore()


def measure(runs: int) -> dict:
    cfg = config()
    prefix, up = str(cfg.v6_networks[0]), cfg.upstreams[0].name
    out = {f"vps_{k}_rss_mib": v for k, v in _rss("vps", VPS_EXPORTERS).items()}
    out.update({f"home_{k}_rss_mib": v for k, v in _rss("home", HOME_DAEMONS).items()})
    out["vps_exporters_rss_mib"] = round(sum(_rss("vps", VPS_EXPORTERS).values()), 1)
    times = [_cut_to_alert(prefix, up) for _ in range(runs)]
    out["cut_to_alert_delivered_s"] = round(statistics.median(times), 1)
    out["cut_to_alert_runs_s"] = [round(t, 1) for t in times]
    out["session_down_for_s"] = cfg.monitoring.session_down_for if cfg.monitoring else None
    return out
