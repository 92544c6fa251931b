"""Run a rendered shell script where it can do nothing: in a chroot of its
own, holding only dash and a stub for each command the caller allows. A stub
records its name and arguments and succeeds, printing nothing; any other
command is "not found". The script's redirections write inside the chroot.

What a test learns: every command the script ran, with its arguments as the
shell split them, and every command it tried that is not in the allow-list.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

DASH = "/bin/dash"
# One write per call (O_APPEND): the stubs of a pipeline run at once, and
# records written piece by piece would interleave.
STUB = """#!/bin/dash
rec=${0##*/}
for a; do rec="$rec$(printf '\\037')$a"; done
printf '%s\\036' "$rec" >> /calls
exit 0
"""


@dataclass
class Ran:
    returncode: int | None  # None: stopped at the timeout (a stubbed loop that never ends)
    calls: list[list[str]]
    not_allowed: list[str]
    stderr: str


class Sandbox:
    def __init__(self, root: Path, allowed: set[str]):
        self.root = root
        (root / "bin").mkdir(parents=True, exist_ok=True)
        # dash and the libraries it links, at the same paths inside.
        for path in [DASH, *_libraries(DASH)]:
            dest = root / path.lstrip("/")
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest)
        for name in allowed:
            stub = root / "bin" / name
            stub.write_text(STUB)
            stub.chmod(0o755)
        for d in ("tmp", "etc", "var", "run", "srv"):
            (root / d).mkdir(exist_ok=True)

    def run(self, script: str, stdin: str = "", timeout: float = 20) -> Ran:
        (self.root / "calls").write_text("")
        (self.root / "script.sh").write_text(script)
        argv = [shutil.which("chroot") or "/usr/sbin/chroot", str(self.root), "/bin/dash", "/script.sh"]
        if os.geteuid() != 0:  # a user namespace gives chroot to a plain user
            argv = [shutil.which("unshare") or "/usr/bin/unshare", "--map-root-user", *argv]
        env = {"PATH": "/bin", "HOME": "/tmp", "LC_ALL": "C"}
        try:
            res = subprocess.run(argv, input=stdin, capture_output=True, text=True, env=env, timeout=timeout)
            rc, err = res.returncode, res.stderr
        except subprocess.TimeoutExpired as stopped:
            rc, err = None, (stopped.stderr or b"").decode(errors="replace")
        raw = (self.root / "calls").read_text()
        calls = [c.split("\x1f") for c in raw.split("\x1e") if c]
        # dash: "/script.sh: 12: personal_as_pwned: not found"
        not_allowed = [line.rsplit(": ", 2)[-2] for line in err.splitlines() if line.endswith(": not found")]
        return Ran(rc, calls, not_allowed, err)


def _libraries(binary: str) -> list[str]:
    out = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout
    libs = []
    for line in out.splitlines():
        parts = line.split()
        if "=>" in parts and len(parts) > parts.index("=>") + 1 and parts[parts.index("=>") + 1].startswith("/"):
            libs.append(parts[parts.index("=>") + 1])
        elif parts and parts[0].startswith("/"):
            libs.append(parts[0])
    return libs
