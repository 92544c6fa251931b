"""Prometheus's alert rules for the user's router: a pure function of the
validated config (which upstreams, how many own prefixes per family, and
the monitoring timings)."""

from __future__ import annotations

from dataclasses import dataclass

from ..config import StackConfig
from ..config.monitoring import Monitoring
from .env import render


@dataclass(frozen=True)
class FamilyCount:
    version: int
    count: int


def render_alert_rules(cfg: StackConfig, monitoring: Monitoring | None = None) -> str:
    m = monitoring or cfg.monitoring or Monitoring()
    families = [FamilyCount(v, n) for v, n in ((6, len(cfg.v6_networks)), (4, len(cfg.v4_networks))) if n]
    return render(
        "monitoring/alert-rules.yml.j2", asn=cfg.asn, upstreams=[u.name for u in cfg.upstreams], families=families,
        session_down_for=m.session_down_for, scrape_interval=m.scrape_interval,
        # Krill retries its parent and repository on its own schedule (minutes):
        # one failed exchange is not yet an outage.
        krill_for=max(600, 4 * m.scrape_interval), host_down_for=max(30, 2 * m.scrape_interval),
        cert_expiry_days=m.cert_expiry_days, disk_free_percent=m.disk_free_percent,
    )
