"""A session the SSH server closes before it takes the command (seen with
many diffs at once, sshd still tearing down the sessions just ended) is
tried again on a new session; one that keeps being closed fails with the
host named. Stand-ins for paramiko's client and channel: the unit tier."""

from __future__ import annotations


import paramiko
import pytest

from components.providers import ssh

CONN = {"host": "203.0.113.242", "port": 22, "user": "root", "host_keys": ["ssh-ed25519 AAAA"]}


class Channel:
    def __init__(self, closes: bool):
        self.closes, self.ran = closes, None

    def settimeout(self, _):
        pass

    def exec_command(self, command):
        if self.closes:
            raise paramiko.SSHException("Channel closed.")
        self.ran = command

    def close(self):
        pass

    def makefile_stdin(self, _mode):
        return None

    def makefile(self, _mode):
        return None

    def makefile_stderr(self, _mode):
        return None


class Transport:
    def is_active(self):
        return True


class Client:
    def get_transport(self):
        return Transport()


@pytest.fixture
def sessions(monkeypatch):
    """Channels handed out in order; each says whether the server closes it."""
    handed: list[Channel] = []
    plan: list[bool] = []
    monkeypatch.setattr(ssh, "pooled", lambda conn: (Client(), True))

    def open_session(_client):
        chan = Channel(plan.pop(0))
        handed.append(chan)
        return chan

    monkeypatch.setattr(ssh, "open_session", open_session)
    monkeypatch.setattr(ssh, "_finish", lambda conn, i, o, e, stdin: ("done", ""))
    monkeypatch.setattr(ssh.time, "sleep", lambda _: None)
    return plan, handed


def test_a_session_closed_before_the_command_is_tried_again_on_a_new_one(sessions):
    plan, handed = sessions
    plan += [True, False]
    assert ssh.run(CONN, "true") == ("done", "")
    assert [c.ran for c in handed] == [None, "true"]


def test_a_server_that_keeps_closing_sessions_fails_naming_the_host(sessions):
    plan, handed = sessions
    plan += [True] * ssh.EXEC_ATTEMPTS
    with pytest.raises(ssh.RemoteCommandError, match="203.0.113.242: the SSH server closed the session 3 times"):
        ssh.run(CONN, "true")
    assert len(handed) == ssh.EXEC_ATTEMPTS


# --- a drift check: its own verdict is drift, a check that never ran is not


@pytest.fixture
def checks(monkeypatch, tmp_path):
    """The drift check's `run`, answering in turn from a list (an exception
    is raised); the calls are counted. Its journal is under tmp_path."""
    from components.providers import remote_command

    monkeypatch.setenv("PERSONAL_AS_CACHE", str(tmp_path))

    answers, calls = [], []

    def run(conn, command, stdin=None, timeout=300):
        calls.append(command)
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer, ""

    monkeypatch.setattr(remote_command, "run", run)
    # The batch a check is first asked in, as a batch of one (drift_batch's
    # own tests run the real driver): its answer is the next one too.
    monkeypatch.setattr(remote_command.drift_batch, "check", lambda conn, check, stdin: run(conn, check, stdin, 60))
    monkeypatch.setattr(remote_command.time, "sleep", lambda _: None)
    return answers, calls


def test_a_check_that_ran_and_exited_non_zero_is_drift(checks):
    from components.providers.remote_command import check_passes
    from components.providers.ssh import CommandFailed

    answers, calls = checks
    answers.append(CommandFailed("on vps: exit 1", 1, "drift: /etc/bird/bird.conf is not the stack's\n", ""))
    assert check_passes({"host": "vps"}, "check", None) is False
    assert len(calls) == 1


def test_why_a_check_said_drift_is_journaled_for_the_operator(checks):
    """preview cannot show a dynamic provider's reason: the journal does."""
    from components.providers.remote_command import check_passes, drift_journal
    from components.providers.ssh import CommandFailed

    answers, _ = checks
    answers.append(CommandFailed("on vps: exit 1", 1, "starting\ndrift: /etc/bird/bird.conf is not the stack's\n", ""))
    answers.append(CommandFailed("on vps: exit 1", 1, "drift on vps: sysctl net.ipv6.conf.all.forwarding is 0\n", ""))
    answers.append(CommandFailed("on vps: exit 2", 2, "", "sh: 1: birdc: not found\n"))
    conn = {"host": "203.0.113.242", "user": "admin", "port": 22}
    for _ in range(3):
        assert check_passes(conn, "check", None) is False
    lines = drift_journal().read_text().splitlines()
    assert [line.split(" ", 1)[1] for line in lines] == [
        "admin@203.0.113.242:22 drift: /etc/bird/bird.conf is not the stack's",
        "admin@203.0.113.242:22 drift on vps: sysctl net.ipv6.conf.all.forwarding is 0",
        "admin@203.0.113.242:22 exit 2, no reason printed; stderr: sh: 1: birdc: not found",
    ]


def test_a_check_sshd_would_not_run_is_asked_again_and_is_not_drift(checks):
    from components.providers.remote_command import check_passes
    from components.providers.ssh import RemoteCommandError

    answers, calls = checks
    answers += [RemoteCommandError("on vps: the SSH server closed the session 3 times before it ran the command"), "ok"]
    assert check_passes({"host": "vps"}, "check", None) is True
    assert len(calls) == 2


def test_a_check_that_never_runs_fails_the_preview_saying_why(checks):
    from components.providers.remote_command import check_passes
    from components.providers.ssh import RemoteCommandError

    answers, _ = checks
    # In its batch, then alone, then alone again.
    answers += [RemoteCommandError("on vps: the SSH server refused a new session for 120 s (sshd's MaxSessions)")] * 3
    with pytest.raises(RemoteCommandError, match="drift check could not run: .*MaxSessions"):
        check_passes({"host": "vps"}, "check", None)


class Stream:
    """One end of a session channel, as _finish reads it: what the command
    printed, and its exit status (-1: none was sent)."""

    def __init__(self, data=b"", rc=0):
        self.data, self.channel, self.rc = data, self, rc

    def read(self):
        return self.data

    def write(self, _):
        pass

    def shutdown_write(self):
        pass

    def recv_exit_status(self):
        return self.rc

    def close(self):
        pass


def test_a_command_that_exits_non_zero_raises_command_failed_with_its_exit_code():
    from components.providers.ssh import CommandFailed, _finish

    with pytest.raises(CommandFailed) as err:
        _finish({"host": "vps"}, Stream(), Stream(b"drift: x\n", rc=1), Stream(), None)
    assert err.value.rc == 1 and "drift: x" in str(err.value)


def test_a_session_that_ends_without_an_exit_status_is_not_the_commands_verdict():
    """paramiko gives -1 when the channel closed with no exit status: the
    session died under the command, which never said drift or not."""
    from components.providers.ssh import CommandFailed, RemoteCommandError, _finish

    with pytest.raises(RemoteCommandError, match="without an exit status") as err:
        _finish({"host": "vps"}, Stream(), Stream(rc=-1), Stream(), None)
    assert not isinstance(err.value, CommandFailed)


class Closed(Stream):
    """stdin of a command that has already exited: paramiko raises on a write."""

    def write(self, _):
        raise OSError("Socket is closed")

    def shutdown_write(self):
        raise OSError("Socket is closed")


def test_a_command_that_exits_before_reading_its_stdin_is_judged_by_its_exit_status():
    """A script with nothing to do (no repository yet to prune) may end
    before the password is written: its own verdict counts, not the closed
    channel (a lab `up` failed on "Socket is closed" with the command's 0)."""
    from components.providers.ssh import CommandFailed, _finish

    assert _finish({"host": "vps"}, Closed(), Stream(b"nothing to prune\n"), Stream(), "secret\n") == \
        ("nothing to prune\n", "")
    with pytest.raises(CommandFailed, match="no such container") as err:
        _finish({"host": "vps"}, Closed(), Stream(rc=1), Stream(b"no such container"), "secret\n")
    assert err.value.rc == 1
