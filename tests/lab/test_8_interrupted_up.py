"""`pulumi up` killed with SIGKILL at three points, one of them during a Krill
exchange. Each time `scripts/pulumi-recover.sh` (which `make lab` runs first)
clears what the dead run left, and the next `pulumi up` converges to a lab
that passes every check, with no manual state surgery."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.infra.stack import STACK
from tests.lab.conftest import ROOT, STACK_FILE, infra_passes, pulumi

STATE_DIR = Path(os.environ.get("PULUMI_BACKEND_URL", f"file://{ROOT}/.pulumi-state").removeprefix("file://"))
CHECKPOINT = STATE_DIR / ".pulumi" / "stacks" / "personal-as" / f"{STACK}.json"
LOCKS = STATE_DIR / ".pulumi" / "locks"


def stack_locks() -> list[Path]:
    """This stack's lock files: another stack's run (the lab tier's other
    lane) holds locks of its own meanwhile."""
    return [p for p in LOCKS.rglob("*.json") if p.parent.name == STACK]
PLUGINS = ("pulumi_language_python.py", "pulumi_dynamic_provider.py")

pytestmark = pytest.mark.destructive


def pending_operations() -> list[tuple[str, str]]:
    """(resource name, operation) the engine recorded as in flight."""
    try:
        latest = json.loads(CHECKPOINT.read_text())["checkpoint"].get("latest") or {}
    except (OSError, ValueError):  # mid-write: ask again
        return []
    return [(op["resource"]["urn"].split("::")[-1], op["type"]) for op in latest.get("pending_operations") or []]


def children(pid: int) -> list[int]:
    """Plugins the CLI started: the language host and dynamic providers."""
    out = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
        except (OSError, ValueError):
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid and any(p in cmdline for p in PLUGINS):
            out.append(int(entry.name))
    return out


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return not Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (ProcessLookupError, FileNotFoundError):
        return False


def up_killed_during(resource: str, operation: str) -> list[int]:
    """Run `pulumi up` and SIGKILL it while `operation` on `resource` is in
    flight: the engine has recorded it as pending and the provider is at work.
    Returns the pids of the plugins it had started."""
    proc = subprocess.Popen(["pulumi", "up", "--yes", "--skip-preview", "--stack", STACK, "--non-interactive"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 900
    try:
        while (resource, operation) not in pending_operations():
            assert proc.poll() is None, f"pulumi up ended before {operation} {resource}"
            assert time.monotonic() < deadline, f"no {operation} {resource} within 900 s"
            time.sleep(0.05)
        plugins = children(proc.pid)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
    print(f"pulumi up killed during {operation} {resource}")
    return plugins


def recover_and_converge(plugins: list[int]) -> None:
    # What the dead run left: its lock, its pending operation, and no plugins
    # still at work beside the next run.
    assert stack_locks(), "the killed run left its lock"
    assert pending_operations(), "the killed run left a pending operation"
    deadline = time.monotonic() + 10
    while any(alive(p) for p in plugins) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert plugins and not any(alive(p) for p in plugins), "plugins outlived the CLI"

    rec = subprocess.run(["bash", "scripts/pulumi-recover.sh", STACK], cwd=ROOT, capture_output=True, text=True)
    assert rec.returncode == 0, rec.stdout + rec.stderr
    assert "cancelling" in rec.stdout and "pending operations" in rec.stdout
    assert not pending_operations() and not stack_locks()

    start = time.monotonic()
    pulumi("up", "--yes", "--skip-preview")
    print(f"next pulumi up converged in {time.monotonic() - start:.1f}s")
    pulumi("preview", "--expect-no-changes")
    infra_passes()


@pytest.fixture(scope="module", autouse=True)
def committed_config_afterwards():
    backup = STACK_FILE.read_bytes()
    yield
    STACK_FILE.write_bytes(backup)
    subprocess.run(["bash", "scripts/pulumi-recover.sh", STACK], cwd=ROOT, check=True, capture_output=True)
    pulumi("up", "--yes", "--skip-preview")


def test_killed_while_the_users_ca_sends_roas_to_krill(lab_is_up):
    pulumi("config", "set", "--path", "roas[0].max_length", "56")
    recover_and_converge(up_killed_during("user-ca-roas", "updating"))


def test_killed_while_bird_on_vps_reloads_its_config(lab_is_up):
    pulumi("config", "set", "--path", "upstreams[0].hold_time", "12")
    recover_and_converge(up_killed_during("vps-router-config", "updating"))


def test_killed_while_creating_the_vps_host_from_fresh_state(lab_is_up):
    pulumi("destroy", "--yes", "--skip-preview")
    recover_and_converge(up_killed_during("vps-container", "creating"))
