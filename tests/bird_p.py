"""`bird -p` by the BIRD the routers run: the project's BIRD image (Debian
trixie's BIRD 2.17), not whatever BIRD this machine has. Debian 12's is
2.0.12: it refuses 2.17's syntax (the RTR session's `local address`), so a
golden checked by it would say nothing about the daemon that loads it."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.image_run import run_in_image


def bird_parse(conf: Path) -> subprocess.CompletedProcess:
    """`bird -p -c conf` in the BIRD image. The conf's folder is mounted at
    its own path, so includes by absolute path resolve."""
    conf = conf.resolve()
    return run_in_image("bird", "bird", "-p", "-c", str(conf), folders=(str(conf.parent),), timeout=60)
