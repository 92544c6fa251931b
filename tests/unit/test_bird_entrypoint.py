"""BIRD's entrypoint starts it in recovery mode (-R) exactly when the last
BIRD died on this boot: a pid file left behind, and the same boot id."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ENTRYPOINT = Path(__file__).resolve().parents[2] / "images" / "bird" / "entrypoint.sh"
BOOT_ID = Path("/proc/sys/kernel/random/boot_id").read_text().strip()


def started_with(tmp_path: Path, pid_file: bool, boot_id: str | None) -> list[str]:
    """The arguments the entrypoint hands to bird (a stub that prints them)."""
    stub = tmp_path / "bin" / "bird"
    stub.parent.mkdir()
    stub.write_text('#!/bin/sh\necho "$@"\n')
    stub.chmod(0o755)
    run = tmp_path / "run"
    run.mkdir()
    if pid_file:
        (run / "bird.pid").write_text("4242\n")
    if boot_id is not None:
        (run / "boot_id").write_text(boot_id + "\n")
    env = {**os.environ, "PATH": f"{stub.parent}:{os.environ['PATH']}", "BIRD_RUN_DIR": str(run)}
    out = subprocess.run(["sh", str(ENTRYPOINT)], env=env, capture_output=True, text=True, check=True).stdout
    assert (run / "boot_id").read_text().strip() == BOOT_ID, "the entrypoint records this boot"
    return out.split()


@pytest.mark.parametrize(("pid_file", "boot_id", "recovery"), [
    (False, None, False),          # first start
    (False, BOOT_ID, False),       # clean stop: BIRD removed its pid file
    (True, BOOT_ID, True),         # killed or crashed on this boot
    (True, "another-boot", False), # the machine rebooted: nothing was preserved
    (True, None, False),           # no record of the boot: assume nothing
])
def test_recovery_mode_only_after_an_unclean_exit_on_this_boot(tmp_path, pid_file, boot_id, recovery):
    args = started_with(tmp_path, pid_file, boot_id)
    assert ("-R" in args) == recovery
    assert args[:2] == ["-f", "-u"] and "-P" in args
