"""The `monitoring` section: how often Prometheus on home scrapes, and how
long a fault lasts before it is an alert. Optional; its defaults suit a
production router, the lab stack sets faster ones."""

from __future__ import annotations

from pydantic import Field, model_validator

from .errors import KeyedError
from .model import Strict


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

    @model_validator(mode="after")
    def _at_least_two_scrapes(self) -> Monitoring:
        if self.session_down_for and self.session_down_for < 2 * self.scrape_interval:
            raise KeyedError(("session_down_for",), self.session_down_for,
                             f"is less than two scrapes ({2 * self.scrape_interval} s at scrape_interval "
                             f"{self.scrape_interval}): one missed scrape would page; raise it or scrape faster")
        return self
