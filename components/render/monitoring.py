"""Prometheus's alert rules for the user's router: a pure function of the
validated config (which upstreams, how many own prefixes per family, and
the monitoring timings)."""

from __future__ import annotations

from dataclasses import dataclass

from ..config.backup import RETRY_S, restic_timeout
from ..config import StackConfig
from ..config.monitoring import Monitoring
from .env import render


@dataclass(frozen=True)
class FamilyCount:
    version: int
    count: int


@dataclass(frozen=True)
class ImportLimit:
    upstream: str
    version: int
    limit: int


def import_limits(cfg: StackConfig) -> list[ImportLimit]:
    """Each upstream that sends a full table, per family vps routes."""
    versions = [v for v, nets in ((6, cfg.v6_networks), (4, cfg.v4_networks)) if nets]
    return [ImportLimit(u.name, v, u.max_prefixes.of(v)) for u in cfg.upstreams if u.import_ == "full"
            for v in versions]


def render_alert_rules(cfg: StackConfig, monitoring: Monitoring | None = None) -> str:
    m = monitoring or cfg.monitoring or Monitoring()
    families = [FamilyCount(v, n) for v, n in ((6, len(cfg.v6_networks)), (4, len(cfg.v4_networks))) if n]
    return render(
        "monitoring/alert-rules.yml.j2", asn=cfg.asn, upstreams=[u.name for u in cfg.upstreams], families=families,
        session_down_for=m.session_down_for, scrape_interval=m.scrape_interval,
        # Krill retries its parent and repository on its own schedule (minutes):
        # one failed exchange is not yet an outage.
        krill_for=max(600, 4 * m.scrape_interval), host_down_for=max(30, 2 * m.scrape_interval),
        cert_expiry_days=m.cert_expiry_days, disk_free_percent=m.disk_free_percent, import_limits=import_limits(cfg),
        # A failed backup is tried again a minute later (backup-client), and
        # each attempt may take restic_timeout: it pages when that retry
        # failed too, and a few scrapes have seen it.
        backup_interval=cfg.backup.interval_minutes * 60 if cfg.backup else None,
        backup_failed_for=RETRY_S + restic_timeout(cfg.faces_lab) + max(30, 2 * m.scrape_interval),
    )


METRICS_ETC = "/etc/personal-as/metrics"
RULES_FILE = f"{METRICS_ETC}/rules.yml"
ALERTMANAGER_FILE = f"{METRICS_ETC}/alertmanager.yml"


def render_prometheus_yml(cfg: StackConfig, monitoring: Monitoring | None = None) -> str:
    m = monitoring or cfg.monitoring or Monitoring()
    ports = {**m.ports.model_dump(), "krill": cfg.krill.port}
    return render("monitoring/prometheus.yml.j2", asn=cfg.asn, scrape_interval=m.scrape_interval,
                  # A scrape must end before the next begins.
                  scrape_timeout=max(1, m.scrape_interval - 1), rules_file=RULES_FILE, ports=ports,
                  validator_metrics=m.validator_metrics)


def render_alertmanager_yml(webhook_url: str, lab: bool) -> str:
    """A lab delivers at once and often, so a test sees an alert within
    seconds; a real operator is told within 30 s and reminded every 4 h.
    The result holds the webhook's URL: keep it secret."""
    return render("monitoring/alertmanager.yml.j2", webhook_url=webhook_url,
                  group_wait=1 if lab else 30, group_interval=5 if lab else 300,
                  repeat_interval="1m" if lab else "4h")


CONSOLES_DIR = f"{METRICS_ETC}/consoles"
STATUS_CONSOLE = "status.html"


def _go(action: str) -> str:
    """A Go template action, written from Jinja without Jinja reading it."""
    return "{{ " + action + " }}"


def render_status_console(cfg: StackConfig, stage) -> str:
    """The status page, a Prometheus console template: the stack's own
    names and its onboarding stage (onboarding.Stage) in, everything else
    asked of Prometheus when the page is served."""
    return render(f"monitoring/{STATUS_CONSOLE}.j2", asn=cfg.asn, upstreams=[u.name for u in cfg.upstreams],
                  prefixes=list(cfg.prefixes), go=_go, stage=stage)
