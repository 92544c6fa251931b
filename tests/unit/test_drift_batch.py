"""Drift checks batched per host (components/providers/drift_batch.py): the
driver runs for real here, in bash (root's login shell) and in sh (what
sudo runs), and each check's verdict is the one it would have alone."""

from __future__ import annotations

import subprocess
import threading
import time

import pytest

from components.providers import drift_batch
from components.providers.ssh import CommandFailed, RemoteCommandError

PASSES = "set -eu\ntest -d /\n"
DRIFTS = "set -eu\necho 'drift: /etc/bird/bird.conf is not the stack'\"'\"'s'\necho oops >&2\nexit 1\n"
# Compares its stdin (a secret, say) with what it expects, as file checks do.
READS_STDIN = 'set -eu\n[ "$(cat)" = "s3cret line\nand another" ]\n'
NEEDS_NO_STDIN = "set -eu\n[ -z \"$(cat)\" ]\n"


def run_driver(shell: str, items: list[tuple[str, str | None]]) -> str:
    res = subprocess.run([shell, "-c", drift_batch.DRIVER], input=drift_batch.payload(items),
                         capture_output=True, text=True, timeout=60, check=True)
    return res.stdout


@pytest.mark.parametrize("shell", ["bash", "sh"])
def test_each_check_in_a_batch_gets_its_own_verdict_stdin_and_output(shell):
    items = [(PASSES, None), (DRIFTS, None), (READS_STDIN, "s3cret line\nand another"), (NEEDS_NO_STDIN, None),
             (READS_STDIN, "not it")]
    got = drift_batch.verdicts(run_driver(shell, items), len(items), "vps")
    assert [v is None for v in got] == [True, False, True, True, False]
    drift = got[1]
    assert isinstance(drift, CommandFailed) and drift.rc == 1
    assert drift.stdout == "drift: /etc/bird/bird.conf is not the stack's\n" and drift.stderr == "oops\n"
    # A check that failed on its stdin says nothing of the stdin itself.
    assert "not it" not in got[4].stdout + got[4].stderr + str(got[4])


def test_a_driver_that_did_not_report_every_check_is_no_verdict():
    out = run_driver("bash", [(PASSES, None), (PASSES, None)])
    cut = "\n".join(out.splitlines()[:1]) + "\n"  # the session ended after the first
    with pytest.raises(RemoteCommandError, match="batch of 2 drift checks reported 1"):
        drift_batch.verdicts(cut, 2, "vps")


def test_checks_asked_together_or_during_a_batch_share_sessions(monkeypatch):
    sessions = []

    def run(conn, command, stdin=None, timeout=300):
        sessions.append(stdin.count("\n"))
        time.sleep(0.5)  # a slow host: what is asked meanwhile waits for the next batch
        return subprocess.run(["sh", "-c", command], input=stdin, capture_output=True, text=True,
                              timeout=60, check=True).stdout, ""

    monkeypatch.setattr(drift_batch, "run", run)
    conn = {"host": "203.0.113.242", "user": "root", "port": 22}
    results: dict[int, str] = {}
    together = threading.Barrier(20)

    def ask(i: int) -> None:
        together.wait()
        try:
            drift_batch.check(conn, DRIFTS if i % 5 == 0 else PASSES, None)
            results[i] = "pass"
        except CommandFailed:
            results[i] = "drift"

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results == {i: "drift" if i % 5 == 0 else "pass" for i in range(20)}
    # Those asked within the window went first; all the others, asked
    # while that batch ran, went in the next one.
    assert sum(sessions) == 20 and len(sessions) <= 2, sessions


def test_a_batch_that_could_not_run_raises_for_each_of_its_checks(monkeypatch):
    def run(conn, command, stdin=None, timeout=300):
        raise RemoteCommandError("cannot reach root@203.0.113.242:22 over SSH: timed out")

    monkeypatch.setattr(drift_batch, "run", run)
    with pytest.raises(RemoteCommandError, match="cannot reach"):
        drift_batch.check({"host": "203.0.113.242", "user": "root", "port": 22}, PASSES, None)


def test_a_host_nobody_can_reach_fails_the_check_at_once_not_after_a_second_try(monkeypatch):
    from components.providers import remote_command

    asked = []

    def gone(conn, check, stdin):
        asked.append(check)
        raise RemoteCommandError("cannot reach root@203.0.113.242:22 over SSH: timed out")

    monkeypatch.setattr(remote_command.drift_batch, "check", gone)
    monkeypatch.setattr(remote_command, "run", lambda *a, **k: pytest.fail("asked alone after the host was gone"))
    with pytest.raises(RemoteCommandError, match="drift check could not run: cannot reach"):
        remote_command.check_passes({"host": "203.0.113.242"}, PASSES, None)
    assert asked == [PASSES]
