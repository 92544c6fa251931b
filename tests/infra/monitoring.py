"""Prometheus on home and the lab's alert receiver, as tests read them."""

from __future__ import annotations

import json
import shlex

from components.alert_receiver import RECEIVED_FILE
from tests.infra import stack


def prometheus(home, path: str) -> dict:
    """One GET of Prometheus's HTTP API, on home's loopback."""
    port = stack.config().monitoring.ports.prometheus
    out = home.check_output(f"curl -fsS -m 5 {shlex.quote(f'http://127.0.0.1:{port}/api/v1/{path}')}")
    body = json.loads(out)
    assert body["status"] == "success", body
    return body["data"]


def query(home, promql: str, at: float | None = None) -> list[dict]:
    """An instant query, now or `at` (epoch seconds)."""
    return prometheus(home, "query?query=" + _quote(promql) + (f"&time={at:.3f}" if at is not None else ""))["result"]


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


def targets(home) -> dict[tuple[str, str], str]:
    """(job, instance) -> health of every active target."""
    return {(t["labels"]["job"], t["labels"]["instance"]): t["health"]
            for t in prometheus(home, "targets?state=active")["activeTargets"]}


def all_scraped(home) -> bool:
    """Every target Prometheus on home scrapes is up (vps's through the tunnel)."""
    try:
        t = targets(home)
    except AssertionError:  # Prometheus is not answering yet
        return False
    return bool(t) and all(h == "up" for h in t.values())


def prefixes_valid(home) -> set[str]:
    """The own prefixes Prometheus last saw RPKI-valid (home's relying party)."""
    return {r["metric"]["prefix"] for r in query(home, "personal_as_rpki_prefix_valid == 1")}


def firing(home) -> list[dict]:
    return [a for a in prometheus(home, "alerts")["alerts"] if a["state"] == "firing"]


def active(home) -> list[dict]:
    """Alerts pending or firing: a fault test starts from none, or a pending
    alert left by an earlier test would fire early and shorten its time."""
    return prometheus(home, "alerts")["alerts"]


def receiver_now(client) -> float:
    """The alert receiver's clock (client's), which stamps what it gets."""
    return float(client.check_output("date +%s.%N"))


def delivered(client) -> list[dict]:
    """Every notification the lab's receiver got: {received_at, payload}."""
    res = client.run(f"cat {RECEIVED_FILE}")
    return [json.loads(line) for line in res.stdout.splitlines() if line.strip()] if res.rc == 0 else []


def notifications(client, alertname: str, status: str, since: float, **labels: str) -> list[dict]:
    """Alerts named `alertname` in `status` delivered after `since` (epoch
    seconds, the receiver's clock), with these labels."""
    out = []
    for n in delivered(client):
        if n["received_at"] < since:
            continue
        for a in n["payload"].get("alerts", []):
            if (a["labels"].get("alertname") == alertname and a["status"] == status
                    and all(a["labels"].get(k) == v for k, v in labels.items())):
                out.append({**a, "received_at": n["received_at"]})
    return out
