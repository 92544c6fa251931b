"""ACME in the running lab: how long a first certificate takes from the
lab's pebble, how often the lab renews, and what the client costs vps."""

from __future__ import annotations

import statistics
import time

from bench import lab
from components.render.acme import ACME_DATA, ACME_STATUS, PEBBLE_VALIDITY_SECONDS

VPS = f"{lab.STACK}-vps"
CLIENT = f"{VPS}-acme"


def status() -> str:
    return lab.docker_exec(VPS, f"cat {ACME_STATUS}", check=False).strip()


def served_serial(name: str) -> str:
    return lab.docker_exec(f"{lab.STACK}-client", f"echo | openssl s_client -connect {name}:443 -servername {name} "
                           "2>/dev/null | openssl x509 -noout -serial", check=False).strip()


def issuance_s() -> float:
    """From a client with no certificate (its store emptied, then restarted)
    to a new certificate installed and nginx reloaded."""
    lab.docker_exec(VPS, f"rm -rf {ACME_DATA}/certificates {ACME_STATUS}")
    start = time.monotonic()
    lab.run("docker", "restart", CLIENT)
    lab.wait_for(lambda: " installed " in status(), 120, "a new certificate installed", interval=0.2)
    return time.monotonic() - start


def renewal_intervals(name: str, count: int) -> list[float]:
    """Seconds between successive certificates served to client, no `up`."""
    seen, changes = served_serial(name), []
    while len(changes) < count + 1:
        lab.wait_for(lambda: served_serial(name) != seen, 600, "a renewed certificate served", interval=1)
        changes.append(time.monotonic())
        seen = served_serial(name)
    return [b - a for a, b in zip(changes, changes[1:])]


def measure(runs: int) -> dict:
    name = "route0.lab"
    issued = [issuance_s() for _ in range(runs)]
    lab.say(f"  issuance: {', '.join(f'{s:.1f}' for s in issued)} s")
    intervals = renewal_intervals(name, runs)
    rss = [r for r in lab.process_memory(VPS) if r[0] in ("acme-client", "sleep", "lego")]
    return {
        "issuance_s_median": round(statistics.median(issued), 2),
        "issuance_s": [round(s, 2) for s in issued],
        "certificate_life_s": PEBBLE_VALIDITY_SECONDS,
        "renewal_interval_s_median": round(statistics.median(intervals), 1),
        "renewal_interval_s": [round(s, 1) for s in intervals],
        # The loop between checks: a shell and its sleep (lego runs only during a check).
        "client_idle_rss_kib": sum(r[2] for r in rss),
    }
