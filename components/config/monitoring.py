"""The `monitoring` section: how often Prometheus on home scrapes, and how
long a fault lasts before it is an alert. Optional; its defaults suit a
production router, the lab stack sets faster ones."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator

from .errors import KeyedError
from .model import Strict, tcp_port


class MonitoringPorts(Strict):
    """Where each part listens, on loopback (home; the exporters on vps too).
    Prometheus and Alertmanager keep their usual ports; the exporters do not,
    because a home server that already does other jobs may run its own
    node_exporter on 9100. Move any of them off a port the box already uses."""

    prometheus: int = 9090
    alertmanager: int = 9093
    # node_exporter on vps and home; BIRD's exporter on vps.
    node: int = 9110
    bird: int = 9324
    # home's ends of the SSH tunnel to vps's node and bird exporters.
    tunnel_node: int = 19110
    tunnel_bird: int = 19324

    _ports = field_validator("*")(tcp_port)


class Monitoring(Strict):
    # Seconds between scrapes of every target.
    scrape_interval: int = Field(default=15, ge=1, le=300)
    # Seconds a BGP session may be down before BGPSessionDown fires: long
    # enough that a session reset (a few seconds) is not paged.
    session_down_for: int = Field(default=60, ge=0, le=3600)
    # DiskNearlyFull fires below this much free space on vps's root, in percent.
    disk_free_percent: int = Field(default=10, ge=1, le=50)
    # A certificate this close to expiry is an alert (the CA's, its ROAs', TLS).
    cert_expiry_days: int = Field(default=14, ge=1, le=60)
    # Where Alertmanager delivers (a webhook; its URL often holds a token, so
    # it is a secret). A lab world delivers to its own receiver instead,
    # and says so when one is set (the prod guide, run in a lab world, sets it).
    webhook_url: SecretStr | None = None
    # The RPKI validator the routers rely on, if its metrics can be scraped
    # from home: "<host>:<port>" (an IPv6 address in brackets), e.g.
    # StayRTR's or Routinator's. Unset: not scraped.
    validator_metrics: str | None = None
    ports: MonitoringPorts = Field(default_factory=MonitoringPorts)

    @field_validator("validator_metrics")
    @classmethod
    def _validator_metrics(cls, v: str | None) -> str | None:
        if v is None:
            return v
        parts = urlsplit(f"//{v}")
        try:
            port = parts.port
        except ValueError:
            port = None
        if not parts.hostname or port is None or parts.path or parts.query or (
                ":" in parts.hostname and not v.startswith("[")):
            raise ValueError('must be "<host>:<port>", an IPv6 address in brackets: "[2001:db8::1]:9847"')
        return v

    @field_validator("webhook_url", mode="before")
    @classmethod
    def _webhook_url(cls, v: object, info: ValidationInfo) -> object:
        if v is None:
            return v
        if "monitoring" not in (info.context or {}).get("secret_keys", set()):
            raise ValueError("must be a Pulumi secret: pulumi config set --secret --path "
                             "'monitoring.webhook_url' <url>")
        parts = urlsplit(v) if isinstance(v, str) else None
        if parts is None or parts.scheme not in ("https", "http") or not parts.hostname:
            raise ValueError("must be an http(s):// URL of a webhook receiver")
        return v

    @model_validator(mode="after")
    def _at_least_two_scrapes(self) -> Monitoring:
        if self.session_down_for and self.session_down_for < 2 * self.scrape_interval:
            raise KeyedError(("session_down_for",), self.session_down_for,
                             f"is less than two scrapes ({2 * self.scrape_interval} s at scrape_interval "
                             f"{self.scrape_interval}): one missed scrape would page; raise it or scrape faster")
        return self
