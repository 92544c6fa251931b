"""The lab tier drives the real Pulumi CLI against the lab stack and checks
the result with the same testinfra hosts as tests/infra."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.infra.conftest import (  # noqa: F401 - fixtures
    cfg, client, gw, home, irr, peer, rir, ssh_config, transit, validator, vps,
)
from tests.infra.stack import STACK

ROOT = Path(__file__).resolve().parents[2]
STACK_FILE = ROOT / "stacks" / f"Pulumi.{STACK}.yaml"


def pulumi(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    res = subprocess.run(["pulumi", *args, "--stack", STACK, "--non-interactive"], cwd=ROOT,
                         capture_output=True, text=True)
    if check and res.returncode != 0:
        raise AssertionError(f"pulumi {' '.join(args)} failed:\n{res.stdout[-4000:]}\n{res.stderr[-4000:]}")
    return res


def changed_resources(preview_json: str) -> set[str]:
    """Names of the resources a `pulumi preview --json` would touch."""
    steps = json.loads(preview_json).get("steps", [])
    return {s["urn"].split("::")[-1] for s in steps if s.get("op") not in ("same", "read")
            and not s["urn"].endswith("pulumi:pulumi:Stack::personal-as-" + STACK)}


def lab_containers() -> dict[str, tuple[str, str]]:
    """name -> (container id, start time) for every container of the stack."""
    ids = subprocess.run(["docker", "ps", "-aq", "--filter", f"label=personal-as.stack={STACK}"],
                         capture_output=True, text=True, check=True).stdout.split()
    if not ids:
        return {}
    info = json.loads(subprocess.run(["docker", "inspect", *ids], capture_output=True, text=True, check=True).stdout)
    return {c["Name"].lstrip("/"): (c["Id"], c["State"]["StartedAt"]) for c in info}


@pytest.fixture
def restore_stack_file():
    """Tests change the stack's config; put the committed file back afterwards."""
    backup = STACK_FILE.read_bytes()
    yield
    STACK_FILE.write_bytes(backup)


# scripts/test.sh runs a tier's pytest processes in order and stops at the
# first red one. It names the stack here for a process that follows one that
# ended on `preview --expect-no-changes`: the stack is known converged, so a
# no-op `up` would only cost time (tens of seconds on the vmlab guests).
CONVERGED = os.environ.get("PERSONAL_AS_CONVERGED") == STACK


@pytest.fixture(scope="session")
def lab_is_up():
    if not CONVERGED:
        pulumi("up", "--yes", "--skip-preview")
    return True


# The read-only host checks wait on SSH round trips, not on the CPU: four
# at a time (pytest-xdist).
INFRA_WORKERS = ("-n", "4")


def infra_passes() -> None:
    """Every non-destructive testinfra check, in a fresh process: it reads the
    stack's outputs anew (a new state may mean a new SSH key)."""
    res = subprocess.run(["python", "-m", "pytest", "tests/infra", "-q", "-p", "no:cacheprovider",
                          "-m", "not destructive", *INFRA_WORKERS], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout[-3000:]


def docker_lines(*args: str) -> list[str]:
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=True).stdout.split()
