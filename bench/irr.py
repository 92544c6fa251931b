"""The lab's routing registry and transit's IRR filter: what IRRd costs to
start and to keep, what one bgpq4 run and one filter reload take, and how
long a route6 object's change takes to reach transit's filter (both ways,
through IRRd's API, as the lab tier's negative scenario does it)."""

from __future__ import annotations

import json
import statistics
import time
import urllib.parse

from bench import lab
from components.render.irr_filter import LAB_REFRESH_SECONDS, irr_set_name
from components.lab_plan import IRR_NAME
from components.render.irrd import HTTP_PORT
from tests.infra.stack import config

IRR = f"{lab.STACK}-irr"
IRRD = f"{IRR}-irrd"
JOB = f"{lab.STACK}-transit-irr-filter"
API = f"http://{IRR_NAME}:{HTTP_PORT}"
DAEMONS = ("irrd", "postgres", "redis-server", "python3")


def api(path: str, method: str = "GET", body: str | None = None, check: bool = True) -> str:
    cmd = f"curl -sS -X {method} '{API}{path}'"
    if body is not None:
        cmd += " -H 'Content-Type: application/json' --data-binary @-"
    return lab.run("docker", "exec", "-i", IRR, "sh", "-c", cmd, stdin=body, check=check).stdout


def whois_q(query: str, check: bool = True) -> str:
    return api(f"/v1/whois/?q={urllib.parse.quote(query, safe='')}", check=check)


def start_s(asn: int) -> float:
    """From `docker restart` of IRRd to its API answering and its preload
    serving the user's routes (what bgpq4 asks for)."""
    start = time.monotonic()
    lab.run("docker", "restart", IRRD)
    # Over whois, as bgpq4 asks (IRRd's HTTP API can take a `!6` during its
    # start and never answer); refused connections until it listens.
    lab.wait_for(lambda: "::/" in lab.docker_exec(f"{lab.STACK}-transit", f"timeout 5 whois -h irr.lab -p 43 -- '!6AS{asn}'",
                                                   check=False), 300, "IRRd answering !6 over whois", interval=0.5)
    return time.monotonic() - start


def bgpq4_s(asn: int) -> float:
    start = time.monotonic()
    lab.docker_exec(JOB, f"bgpq4 -h irr.lab -S LAB -6 -b -l {irr_set_name(asn, 6)} AS{asn} >/dev/null")
    return time.monotonic() - start


def reload_s() -> float:
    """What the job does when a list changed: bird -p, then birdc configure."""
    start = time.monotonic()
    lab.docker_exec(JOB, "bird -p -c /etc/bird/bird.conf && birdc -s /run/bird/bird.ctl configure >/dev/null")
    return time.monotonic() - start


def at_transit(prefix: str) -> bool:
    return f"{prefix} " in lab.birdc("transit", f"show route for {prefix}")


def change_to_transit_s(cfg, delete: bool) -> float:
    """A route6 object deleted (or added back) through the API, to transit
    dropping (or accepting) the prefix."""
    prefix = str(cfg.networks[0])
    key = f"{prefix}AS{cfg.asn}".upper()
    password = cfg.irr.maintainer.password.get_secret_value()
    if delete:
        text = whois_q(f"!mroute6,{key}")
    else:
        text = (f"route6:         {prefix}\norigin:         AS{cfg.asn}\nmnt-by:         {cfg.irr.maintainer.name}\n"
                f"source:         {cfg.irr.source}\n")
    body = json.dumps({"objects": [{"object_text": text}], "passwords": [password]})
    start = time.monotonic()
    answer = json.loads(api("/v1/submit/", "DELETE" if delete else "POST", body))
    if answer["summary"]["failed"]:
        raise RuntimeError(f"the registry refused the change: {answer['objects']}")
    lab.wait_for(lambda: at_transit(prefix) != delete, LAB_REFRESH_SECONDS + 60,
                 "transit " + ("dropping" if delete else "accepting") + f" {prefix}", interval=0.2)
    return time.monotonic() - start


def measure(runs: int) -> dict:
    cfg = config()
    started = [start_s(cfg.asn) for _ in range(runs)]
    rss = [r for r in lab.process_memory(IRR) if r[0] in DAEMONS or r[0].startswith(("irrd", "postgres"))]
    bgpq4 = [bgpq4_s(cfg.asn) for _ in range(runs)]
    reloads = [reload_s() for _ in range(runs)]
    drops, accepts = [], []
    for _ in range(runs):
        drops.append(change_to_transit_s(cfg, delete=True))
        accepts.append(change_to_transit_s(cfg, delete=False))
    lab.say(f"  delete -> drop: {', '.join(f'{s:.1f}' for s in drops)} s; "
            f"add -> accept: {', '.join(f'{s:.1f}' for s in accepts)} s")
    return {
        "registry_start_s_median": round(statistics.median(started), 1),
        "registry_start_s": [round(s, 1) for s in started],
        # Every process of the registry host: IRRd's workers, PostgreSQL, Redis.
        "registry_rss_mib": lab.mib(sum(r[2] for r in rss)),
        "registry_processes": len(rss),
        "bgpq4_run_s_median": round(statistics.median(bgpq4), 3),
        "filter_reload_s_median": round(statistics.median(reloads), 3),
        "refresh_s": LAB_REFRESH_SECONDS,
        "route6_delete_to_drop_s_median": round(statistics.median(drops), 1),
        "route6_delete_to_drop_s": [round(s, 1) for s in drops],
        "route6_add_to_accept_s_median": round(statistics.median(accepts), 1),
        "route6_add_to_accept_s": [round(s, 1) for s in accepts],
    }
