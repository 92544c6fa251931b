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
