"""What a red lab or vmlab test leaves behind for the next reader: every
local container of the stack's last log lines, and each BIRD's protocols in
full, in the project's cache folder next to CI's log. A red run on the CI
machine is read a session later, when the containers are long gone."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

from components.cache_dir import cache_dir

CACHE = cache_dir()
SNAPSHOTS = CACHE / "ci" / "failures"
KEEP = 20  # snapshots kept; the oldest go first


def _run(*cmd: str) -> str:
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"({' '.join(cmd)}: {e})\n"
    return res.stdout + res.stderr


def save(test_id: str, stack: str) -> Path | None:
    """Writes the snapshot and returns its folder (None when no container of
    `stack` runs here, as in the unit tier)."""
    names = _run("docker", "ps", "-a", "--filter", f"label=personal-as.stack={stack}",
                 "--format", "{{.Names}}").split()
    names = [n for n in names if n.startswith(f"{stack}-")]
    if not names:
        return None
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", test_id)[-120:]
    out = SNAPSHOTS / f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{slug}"
    out.mkdir(parents=True, exist_ok=True)
    (out / "containers.txt").write_text(_run("docker", "ps", "-a", "--filter", f"label=personal-as.stack={stack}",
                                             "--format", "{{.Names}}\t{{.Status}}"))
    for name in names:
        (out / f"{name}.log").write_text(_run("docker", "logs", "--timestamps", "--tail", "400", name))
        if name.endswith("-bird"):
            (out / f"{name}.protocols.txt").write_text(
                _run("docker", "exec", name, "birdc", "-s", "/run/bird/bird.ctl", "show", "protocols", "all"))
            # BIRD's own times beside the one the stack recorded at its last
            # confirm: what the running-config drift check compares.
            (out / f"{name}.status.txt").write_text(
                _run("docker", "exec", name, "birdc", "-s", "/run/bird/bird.ctl", "show", "status")
                + "recorded at the last confirm: "
                + _run("docker", "exec", name, "cat", "/run/bird/confirmed"))
    for old in sorted(SNAPSHOTS.iterdir())[:-KEEP]:
        subprocess.run(["rm", "-rf", str(old)], check=False)
    return out
