"""Whether BIRD runs what the stack confirmed (bird-running.sh.j2), against
a stand-in birdc that answers `show status` as BIRD 2 does: a config the
stack confirmed, or one BIRD loaded at its own start, is in step; a
reconfiguration since, by anyone else, is not."""

from __future__ import annotations

import subprocess

import pytest

from components.render.env import render

STATUS = """BIRD 2.0.12
Router ID is 192.0.2.1
Hostname is vps
Current server time is 2026-12-05 03:30:00.000
Last reboot on {reboot}
Last reconfiguration on {reconf}
Daemon is up and running
"""


def runs_confirmed(tmp_path, reboot: str | None, reconf: str | None, recorded: str | None,
                   running_check: bool = True) -> bool:
    birdc = tmp_path / "birdc"
    if reboot is None:
        birdc.write_text("#!/bin/sh\necho 'Unable to connect to server control socket' >&2\nexit 1\n")
    else:
        birdc.write_text("#!/bin/sh\ncat <<'END'\n" + STATUS.format(reboot=reboot, reconf=reconf) + "END\n")
    birdc.chmod(0o755)
    confirmed = tmp_path / "confirmed"
    if recorded is not None:
        confirmed.write_text(recorded + "\n")
    script = ("sock=/nonexistent\n" + render("bird-running.sh.j2", confirmed=str(confirmed), running_check=running_check)
              + "runs_confirmed\n")
    res = subprocess.run(["sh", "-c", script], env={"PATH": f"{tmp_path}:/usr/bin:/bin"}, capture_output=True,
                         text=True)
    assert res.returncode in (0, 1), res.stderr
    return res.returncode == 0


@pytest.mark.parametrize("reboot, reconf, recorded, in_step", [
    # The stack's own `configure`, recorded at its confirm.
    ("2026-12-05 03:00:00.120", "2026-12-05 03:20:11.480", "2026-12-05 03:20:11.480", True),
    # The same, read while the wall clock is slewed: BIRD maps its monotonic
    # time onto it at each reading (seen on a guest: 2 ms apart).
    ("2026-12-05 03:00:00.120", "2026-12-05 03:20:11.482", "2026-12-05 03:20:11.480", True),
    ("2026-12-05 03:00:00.120", "2026-12-05 03:20:10.990", "2026-12-05 03:20:11.480", True),
    # BIRD started again since (its config is read as it starts).
    ("2026-12-05 03:25:00.500", "2026-12-05 03:25:00.490", "2026-12-05 03:20:11.480", True),
    ("2026-12-05 03:25:00.500", "2026-12-05 03:25:03.000", None, True),
    # Reconfigured since, not by the stack: by hand, or a timed-out undo.
    ("2026-12-05 03:00:00.120", "2026-12-05 03:27:42.001", "2026-12-05 03:20:11.480", False),
    ("2026-12-05 03:00:00.120", "2026-12-05 03:27:42.001", None, False),
    ("2026-12-05 03:00:00.120", "2026-12-05 03:20:12.600", "2026-12-05 03:20:11.480", False),
    # A recorded time that is not a time at all.
    ("2026-12-05 03:00:00.120", "2026-12-05 03:27:42.001", "garbage", False),
    # Not running: it loads the file when it starts.
    (None, None, "2026-12-05 03:20:11.480", True),
])
def test_bird_is_in_step_only_with_what_the_stack_confirmed_or_loaded_at_its_start(
        tmp_path, reboot, reconf, recorded, in_step):
    assert runs_confirmed(tmp_path, reboot, reconf, recorded) is in_step


def test_a_bird_others_reconfigure_on_purpose_is_checked_by_its_file_alone(tmp_path):
    # The lab transit's registry filter runs `birdc configure` when the lists change.
    assert runs_confirmed(tmp_path, "2026-12-05 03:00:00.120", "2026-12-05 03:27:42.001", None, running_check=False)
