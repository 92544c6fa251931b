"""Where a host's services run, for tests that read them from outside."""

from __future__ import annotations

import subprocess

from tests.infra import stack


def spec_kind(name: str) -> str:
    spec = stack.config().hosts.get(name)
    return spec.kind if spec is not None else "lab"


def on_engine(host, name: str, command: str) -> str:
    """`command` where the host's services run: the guest itself (kind ssh),
    or this machine's engine and /proc for a lab host (its services are
    containers beside it)."""
    if spec_kind(name) == "ssh":
        return host.check_output(command)
    return subprocess.run(["sh", "-c", command], capture_output=True, text=True, check=True).stdout
