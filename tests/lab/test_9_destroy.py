"""`pulumi destroy` leaves nothing behind: no container, volume, veth,
bridge or daemon of the lab."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import pytest

from components import naming
from tests.infra.stack import STACK
from tests.lab.conftest import docker_lines, pulumi

# Every host a lab world can have (components/lab_plan.py).
EVERY_LAB_HOST = ("vps", "gw", "transit", "peer", "client", "home", "rir", "validator", "acme", "irr")
DAEMONS = ("bird -f -u bird", "krill --config")


def daemons_not_of_another_stack() -> list[str]:
    """BIRD and Krill processes on the machine that are not inside a running
    container of another stack (a vmlab may run beside this lab): a daemon
    in no container, or in one of this stack's, is left behind."""
    left = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            args = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            cgroup = (proc / "cgroup").read_text()
        except OSError:  # ended meanwhile
            continue
        if not any(d in args for d in DAEMONS):
            continue
        ids = re.findall(r"[0-9a-f]{64}", cgroup)
        stack = ""
        if ids:
            res = subprocess.run(["docker", "inspect", "-f", '{{index .Config.Labels "personal-as.stack"}}', ids[0]],
                                 capture_output=True, text=True)
            # Another stack's run (the lab tier's other lane) may be removing
            # that container right now: gone with its process, it is no leftover.
            if res.returncode != 0:
                time.sleep(1)  # its process may outlive the container by a moment
                if not proc.exists():
                    continue
            stack = res.stdout.strip()
        if stack in ("", STACK):
            left.append(f"{proc.name}: {args.strip()} (container stack {stack or 'none'})")
    return left


# Destroys the lab on purpose: it runs last, in its own process.
pytestmark = pytest.mark.destructive


def test_destroy_leaves_nothing_behind(lab_is_up):
    pulumi("destroy", "--yes", "--skip-preview")
    label = f"label=personal-as.stack={STACK}"
    assert docker_lines("ps", "-aq", "--filter", label) == []
    assert docker_lines("volume", "ls", "-q", "--filter", label) == []
    # Whole names: another lab stack's bridge (pas-lab2) contains pas-lab.
    links = set(re.findall(r"^\d+: ([^:@]+)", subprocess.run(["ip", "-o", "link"], capture_output=True, text=True,
                                                              check=True).stdout, re.M))
    assert naming.mgmt_bridge(STACK) not in links
    left = [port for port in (naming.mgmt_port(STACK, h) for h in EVERY_LAB_HOST) if port in links]
    assert left == [], f"management veths left on the machine: {left}"
    assert daemons_not_of_another_stack() == []
    assert subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.strip() == ""
