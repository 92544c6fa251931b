"""The `monitoring` section: how often Prometheus on home scrapes, and how
long a fault lasts before it is an alert. Optional; its defaults suit a
production router, the lab stack sets faster ones."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator

from .errors import KeyedError
from .urls import url_problem
from .model import Strict, tcp_port


class MonitoringPorts(Strict):
    """Where each part listens, on loopback (home; the exporters on vps too).
    Prometheus and Alertmanager keep their usual ports; the exporters do not,
    because a home server that already does other jobs may run its own
    node_exporter on 9100. Move any of them off a port the box already uses."""

    prometheus: int = Field(default=9090, description="Prometheus's port on home's loopback; the status page "
                                                      "behind the Krill proxy is served from it.")
    alertmanager: int = Field(default=9093, description="Alertmanager's port on home's loopback.")
    node: int = Field(default=9110, description="node_exporter's port on the loopback of vps and of home (not 9100, "
                                                "which a home box may already use for its own node_exporter).")
    bird: int = Field(default=9324, description="The BIRD exporter's port on vps's loopback.")
    tunnel_node: int = Field(default=19110, description="home's end of the SSH tunnel to vps's node_exporter, on "
                                                        "home's loopback.")
    tunnel_bird: int = Field(default=19324, description="home's end of the SSH tunnel to vps's BIRD exporter, on "
                                                        "home's loopback.")

    _ports = field_validator("*")(tcp_port)


class Monitoring(Strict):
    scrape_interval: int = Field(default=15, ge=1, le=300,
                                 description="Seconds between Prometheus's scrapes of every target.")
    session_down_for: int = Field(
        default=60, ge=0, le=3600,
        description="Seconds a BGP session may be down before BGPSessionDown fires, long enough that a session "
                    "reset (a few seconds) does not page; at least two scrape intervals, or 0 to fire at once.")
    disk_free_percent: int = Field(
        default=10, ge=1, le=50,
        description="DiskNearlyFull fires when less than this percentage of vps's root filesystem is free.")
    cert_expiry_days: int = Field(
        default=14, ge=1, le=60,
        description="CertificateExpiresSoon fires when a certificate has fewer than this many days left: the "
                    "Krill CA's, its ROAs' and the TLS certificates the stack serves.")
    # A secret because its URL often holds a token. Accepted (with a warning)
    # in a lab world: the prod guide, run in one, sets it.
    webhook_url: SecretStr | None = Field(
        default=None,
        description="The http(s) URL of the webhook receiver Alertmanager delivers alerts to (any receiver of "
                    "Alertmanager's webhook JSON), set as a Pulumi secret. Required outside a lab world; a lab "
                    "world delivers to its own receiver and ignores it.",
        examples=["https://alerts.example.net/hook/personal-as"])
    validator_metrics: str | None = Field(
        default=None,
        description="The metrics endpoint of your RPKI validator (e.g. StayRTR's or Routinator's), for Prometheus "
                    "on home to scrape, as `\"<host>:<port>\"` with an IPv6 address in brackets. Unset: not "
                    "scraped.",
        examples=["[2001:db8::53]:9847"])
    ports: MonitoringPorts = Field(
        default_factory=MonitoringPorts,
        description="The loopback ports of Prometheus, Alertmanager, the exporters and the SSH tunnel; move any "
                    "that the box already uses.")

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
        problem = url_problem(v, ("https", "http"))
        if problem:
            raise ValueError(f"{problem}: the URL of a webhook receiver")
        return v

    @model_validator(mode="after")
    def _at_least_two_scrapes(self) -> Monitoring:
        if self.session_down_for and self.session_down_for < 2 * self.scrape_interval:
            raise KeyedError(("session_down_for",), self.session_down_for,
                             f"is less than two scrapes ({2 * self.scrape_interval} s at scrape_interval "
                             f"{self.scrape_interval}): one missed scrape would page; raise it or scrape faster")
        return self
