"""krill.conf: the user's CA on home, and the RIR's testbed Krill in the lab."""

from __future__ import annotations

from dataclasses import dataclass

from .env import render
from .nginx import KRILL_PORT

STORAGE_URI = "/var/lib/krill/data/"


@dataclass(frozen=True)
class Testbed:
    """Krill's testbed mode: an embedded TA and publication server."""

    base_uri: str  # e.g. https://rir.lab/
    rsync_host: str

    @property
    def rrdp_base_uri(self) -> str:
        return f"{self.base_uri}rrdp/"

    @property
    def rsync_jail(self) -> str:
        return f"rsync://{self.rsync_host}/repo/"

    @property
    def ta_aia(self) -> str:
        return f"rsync://{self.rsync_host}/ta/ta.cer"

    @property
    def ta_uri(self) -> str:
        return f"{self.base_uri}ta/ta.cer"


def render_krill_conf(admin_token: str, service_uri: str, listen_ip: str = "127.0.0.1",
                      testbed: Testbed | None = None, https_mode: str = "generate", port: int = KRILL_PORT) -> str:
    """Render krill.conf.

    Args:
        admin_token: plaintext, unwrapped from a Pulumi secret: keep the result secret.
        service_uri: the https URI children and publishers reach this Krill at.
        listen_ip: the user's Krill stays on localhost; nginx fronts it.
        testbed: set only for the lab's RIR Krill.
    """
    if '"' in admin_token or "\\" in admin_token:
        raise ValueError("admin_token must not contain quotes or backslashes")
    return render(
        "krill.conf.j2", listen_ip=listen_ip, port=port, storage_uri=STORAGE_URI,
        service_uri=service_uri, admin_token=admin_token, testbed=testbed, https_mode=https_mode,
    )
