"""The `backup` section: the Krill CA's data, copied off home by restic,
encrypted before it leaves. By default to the user's vps, where restic's
rest-server keeps it append-only: home can add snapshots and never delete
one. Unset: no backups (the lab stacks and the prod example set it)."""

from __future__ import annotations

from pydantic import Field, SecretStr, ValidationInfo, field_validator

from .model import Strict, tcp_port
from .urls import url_problem

DEFAULT_TARGET = "vps"


class Retention(Strict):
    """What `forget --prune` keeps, applied on vps at each `up` with the
    repository's password (never with home's append-only access)."""

    hourly: int = Field(default=24, ge=0, le=10000, description="The newest snapshot of each of this many hours.")
    daily: int = Field(default=30, ge=0, le=10000, description="The newest snapshot of each of this many days.")
    monthly: int = Field(default=12, ge=0, le=10000,
                         description="The newest snapshot of each of this many months.")


class Backup(Strict):
    password: SecretStr = Field(
        description="The restic repository's password, a Pulumi secret you choose (at least 12 characters): "
                    "`pulumi config set --secret --path 'backup.password' -- <value>`. It is never generated into the "
                    "state, so a lost state does not lose the backups; keep it somewhere else too. Without it "
                    "nobody, the target included, can read a backup.")
    target: str = Field(
        default=DEFAULT_TARGET,
        description="Where the snapshots go: `vps` (restic's rest-server in a container on vps, on its loopback, "
                    "reached from home through an SSH tunnel, append-only), or a restic repository URL "
                    "(`rest:https://...`) of your own, whose retention is then yours.",
        examples=["vps", "rest:https://backup.example.net/personal-as/"])
    interval_minutes: int = Field(
        default=60, ge=1, le=1440,
        description="Minutes between scheduled snapshots; there is one after every change the stack makes to "
                    "Krill as well. BackupTooOld fires when the newest is older than twice this.")
    keep: Retention = Field(default_factory=Retention,
                            description="How many snapshots to keep (target `vps` only).")
    port: int = Field(default=8765, description="rest-server's port on vps's loopback, and the tunnel's end on "
                                                "home's loopback. Move it off a port either box already uses.")

    _port = field_validator("port")(tcp_port)

    @field_validator("password", mode="before")
    @classmethod
    def _password(cls, v: object, info: ValidationInfo) -> object:
        if "backup" not in (info.context or {}).get("secret_keys", set()):
            raise ValueError("must be a Pulumi secret: pulumi config set --secret --path 'backup.password' -- <value>")
        if not isinstance(v, str) or len(v) < 12:
            raise ValueError("must be a string of at least 12 characters")
        return v

    @field_validator("target")
    @classmethod
    def _target(cls, v: str) -> str:
        if v == DEFAULT_TARGET:
            return v
        if not v.startswith("rest:"):
            raise ValueError("must be `vps` or a restic REST repository URL, `rest:https://host/path/`")
        problem = url_problem(v.removeprefix("rest:"), ("https", "http"))
        if problem:
            raise ValueError(f"{problem}: a restic REST repository URL, `rest:https://host/path/`")
        return v

    @property
    def on_vps(self) -> bool:
        return self.target == DEFAULT_TARGET


def restic_timeout(faces_lab: bool) -> int:
    """Seconds one restic call may take before the backup counts as failed
    (restic itself retries an unreachable repository for 15 minutes). A CA's
    snapshot is kilobytes to a few MB; a lab world's repository is across
    the lab, and its alert test waits on this."""
    return 30 if faces_lab else 300


# A failed backup is tried again this long after it failed (backup-client).
RETRY_S = 60

