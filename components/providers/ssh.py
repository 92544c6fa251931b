"""SSH to a host with its host key pinned: the one way the stack reaches a host.

A connection is a plain dict (it travels through Pulumi inputs):
  host, port, user           where to log in
  private_key | key_file     the stack's own key (lab) or the operator's key file
  host_keys                  pinned "<type> <base64>" public keys; the server
                             must present one of them, or nothing is sent
  host_id                    (lab) the container id: a new host re-provisions

A non-root user works through `sudo -n`, for every command.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import shlex
import threading
import time
from typing import Any

CONNECT_TIMEOUT_S = 90


class RemoteCommandError(RuntimeError):
    pass


class HostKeyMismatch(RemoteCommandError):
    """The host presented a key that is not the pinned one: never retried."""


class CommandFailed(RemoteCommandError):
    """The command ran on the host and exited non-zero (its verdict), as
    against a command that never got to run (no session, no connection)."""

    def __init__(self, message: str, rc: int, stdout: str = "", stderr: str = ""):
        super().__init__(message)
        self.rc, self.stdout, self.stderr = rc, stdout, stderr


def known_name(conn: dict[str, Any]) -> str:
    """The host's name as OpenSSH's known_hosts writes it."""
    port = int(conn.get("port", 22))
    return conn["host"] if port == 22 else f"[{conn['host']}]:{port}"


def parse_public_key(line: str):
    """A paramiko key from "<type> <base64> [comment]"."""
    import paramiko

    kind, b64 = line.split()[:2]
    return paramiko.PKey.from_type_string(kind, __import__("base64").b64decode(b64))


def key_line(key) -> str:
    return f"{key.get_name()} {key.get_base64()}"


def _client_key(conn: dict[str, Any]):
    import paramiko

    if conn.get("private_key"):
        return paramiko.Ed25519Key.from_private_key(io.StringIO(conn["private_key"]))
    if conn.get("key_file"):
        try:
            return paramiko.PKey.from_path(os.path.expanduser(conn["key_file"]))
        except paramiko.PasswordRequiredException:
            # Validation let it through because an ssh-agent runs: the
            # agent holds the key (pulumi cannot type its passphrase).
            return None
    return None  # the operator's ssh-agent


def presented_key(conn: dict[str, Any], timeout: float = 10) -> str:
    """The host key the server presents, preferring the pinned key's type."""
    import socket

    import paramiko

    sock = socket.create_connection((conn["host"], int(conn.get("port", 22))), timeout=timeout)
    transport = paramiko.Transport(sock)
    try:
        pinned = [parse_public_key(k) for k in conn.get("host_keys") or []]
        if pinned:
            opts = transport.get_security_options()
            types = [k.get_name() for k in pinned]
            opts.key_types = types + [t for t in opts.key_types if t not in types]
        transport.start_client(timeout=timeout)
        return key_line(transport.get_remote_server_key())
    finally:
        transport.close()


def connect(conn: dict[str, Any]):
    """An SSHClient logged in to the host, after checking its pinned key."""
    import paramiko

    pinned = conn.get("host_keys") or []
    if not pinned:
        raise RemoteCommandError(f"no pinned host key for {known_name(conn)}: refusing to connect")
    key = _client_key(conn)
    deadline = time.monotonic() + CONNECT_TIMEOUT_S
    last: Exception | None = None
    while time.monotonic() < deadline:
        client = paramiko.SSHClient()
        for line in pinned:
            pk = parse_public_key(line)
            client.get_host_keys().add(known_name(conn), pk.get_name(), pk)
        # Anything not pinned is refused: no trust on first use here.
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        try:
            client.connect(conn["host"], port=int(conn.get("port", 22)), username=conn.get("user", "root"),
                           pkey=key, timeout=10, banner_timeout=10, auth_timeout=10,
                           allow_agent=key is None, look_for_keys=False)
            return client
        except paramiko.BadHostKeyException as err:
            client.close()
            raise HostKeyMismatch(
                f"host key of {conn.get('user', 'root')}@{known_name(conn)} changed: it presented "
                f"{key_line(err.key)}, pinned is {', '.join(pinned)}. Nothing was sent. If the machine was "
                "reinstalled on purpose, pin its new key in hosts.<name>.known_hosts") from None
        except Exception as err:  # noqa: BLE001 - sshd may still be starting
            last = err
            client.close()
            time.sleep(1)
    raise RemoteCommandError(
        f"cannot reach {conn.get('user', 'root')}@{conn['host']}:{conn.get('port', 22)} over SSH: {last}")


def as_root(conn: dict[str, Any], command: str) -> str:
    """`command` as root: directly, or through sudo for a non-root user."""
    if conn.get("user", "root") == "root":
        return command
    # A whole script, newlines and all: one word for sudo's sh (sh_word quotes
    # single values and refuses line breaks in them).
    return f"sudo -n /bin/sh -c {shlex.quote(command)}"


# One SSH connection per host for the life of the provider process (one
# `pulumi preview` or `up`): every resource's diff probes its host, and on a
# small machine the handshake costs more than the probe.
_POOL: dict[tuple, Any] = {}
_POOL_LOCKS: dict[tuple, threading.Lock] = {}
_POOL_GUARD = threading.Lock()


def _pool_key(conn: dict[str, Any]) -> tuple:
    secret = hashlib.sha256((conn.get("private_key") or "").encode()).hexdigest()
    return (conn["host"], int(conn.get("port", 22)), conn.get("user", "root"), tuple(conn.get("host_keys") or ()),
            conn.get("key_file"), secret, conn.get("host_id"))


def pooled(conn: dict[str, Any]) -> tuple[Any, bool]:
    """A live client for `conn`, and whether it was already open."""
    key = _pool_key(conn)
    with _POOL_GUARD:
        lock = _POOL_LOCKS.setdefault(key, threading.Lock())
    with lock:
        client = _POOL.get(key)
        transport = client.get_transport() if client is not None else None
        if transport is not None and transport.is_active():
            return client, True
        client = connect(conn)
        client.get_transport().set_keepalive(15)
        _POOL[key] = client
        return client, False


# sshd allows 10 sessions on one connection (MaxSessions) and refuses the
# 11th ("open failed: Connect failed"). `up` runs many resources at once
# over the one kept connection, and some hold a session for minutes (a
# Docker API connection, a wait for a certificate): take a slot first, and
# keep four spare for what waits past its slot and for sessions sshd has
# not finished tearing down (diffs run side by side, PULUMI_PARALLEL_DIFF).
SESSIONS_PER_CONNECTION = 6
# A session the server closes before it runs the command is tried again.
EXEC_ATTEMPTS = 3
SLOT_WAIT_S = 120
_SLOTS: dict[tuple, threading.BoundedSemaphore] = {}


@contextlib.contextmanager
def session_slot(conn: dict[str, Any]):
    """Hold one of the connection's session slots. After SLOT_WAIT_S the
    session goes ahead anyway (a slot holder may itself wait on it), and
    open_session's retry takes over."""
    key = _pool_key(conn)
    with _POOL_GUARD:
        slots = _SLOTS.setdefault(key, threading.BoundedSemaphore(SESSIONS_PER_CONNECTION))
    held = slots.acquire(timeout=SLOT_WAIT_S)
    try:
        yield
    finally:
        if held:
            slots.release()


def open_session(client, timeout: float = SLOT_WAIT_S):
    """A new session channel; one the server refuses (too many sessions) is
    asked for again as others end, never taken for a dead connection."""
    import paramiko

    deadline, delay = time.monotonic() + timeout, 0.5
    while True:
        try:
            return client.get_transport().open_session()
        except paramiko.ChannelException:
            if time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 5)


def _drop(conn: dict[str, Any], client) -> None:
    key = _pool_key(conn)
    with _POOL_GUARD:
        if _POOL.get(key) is client:
            del _POOL[key]
    client.close()


def run(conn: dict[str, Any], command: str, stdin: str | None = None, timeout: int = 300) -> tuple[str, str]:
    """Run `command` as root with `stdin`; raise with its output if it exits non-zero."""
    import paramiko

    with session_slot(conn):
        for attempt in range(1, EXEC_ATTEMPTS + 1):
            client, reused = pooled(conn)
            try:
                chan = open_session(client)
            except paramiko.ChannelException as err:
                # The connection is alive but will not open one more session.
                raise RemoteCommandError(
                    f"on {conn['host']}: the SSH server refused a new session for {SLOT_WAIT_S} s "
                    f"(sshd's MaxSessions): {err}") from None
            except (paramiko.SSHException, EOFError, OSError, AttributeError) as err:
                # The kept connection died (the host rebooted, a NAT forgot it):
                # nothing ran; open a new one.
                _drop(conn, client)
                if not reused or attempt == EXEC_ATTEMPTS:
                    raise RemoteCommandError(
                        f"cannot reach {conn.get('user', 'root')}@{conn['host']}:{conn.get('port', 22)} over SSH: {err}"
                    ) from None
                continue
            chan.settimeout(timeout)
            try:
                chan.exec_command(as_root(conn, command))
            except (paramiko.SSHException, EOFError) as err:
                # The server closed the session before it took the command
                # (found with many diffs at once: sshd still tearing down the
                # sessions just ended). Nothing ran: again, on a new session.
                chan.close()
                transport = client.get_transport()
                if transport is None or not transport.is_active():
                    _drop(conn, client)
                if attempt == EXEC_ATTEMPTS:
                    raise RemoteCommandError(
                        f"on {conn['host']}: the SSH server closed the session {EXEC_ATTEMPTS} times before it ran "
                        f"the command: {err}") from None
                time.sleep(attempt)
                continue
            return _finish(conn, chan.makefile_stdin("wb"), chan.makefile("r"), chan.makefile_stderr("r"), stdin)
    raise AssertionError("unreachable")


def is_gone(err: BaseException) -> bool:
    """The host cannot be reached at all (destroyed with the lab, or down):
    for a delete, there is nothing left to undo there. A host presenting
    the wrong key is never "gone": that must stop everything."""
    return isinstance(err, RemoteCommandError) and not isinstance(err, HostKeyMismatch) and "cannot reach" in str(err)


def run_unless_gone(conn: dict[str, Any], command: str, stdin: str | None = None, timeout: int = 300) -> None:
    """`run` for undoing: a host that is gone has nothing left to undo."""
    try:
        run(conn, command, stdin, timeout)
    except RemoteCommandError as err:
        if not is_gone(err):
            raise


def run_on(client, conn: dict[str, Any], command: str, timeout: int = 300) -> tuple[str, str]:
    """`run` on a client of the caller's own (one that carries a tunnel, say)."""
    chan_in, chan_out, chan_err = client.exec_command(as_root(conn, command), timeout=timeout)
    return _finish(conn, chan_in, chan_out, chan_err, None)


def _finish(conn, chan_in, chan_out, chan_err, stdin: str | None) -> tuple[str, str]:
    if stdin:
        try:
            chan_in.write(stdin)
        except OSError:
            # The command ended before it read all of its stdin (a script
            # with nothing to do exits at once): its exit status and stderr,
            # read below, are the verdict, not the closed channel.
            pass
    try:
        chan_in.channel.shutdown_write()
    except OSError:
        pass
    out = chan_out.read().decode(errors="replace")
    err = chan_err.read().decode(errors="replace")
    rc = chan_out.channel.recv_exit_status()
    chan_out.channel.close()
    if rc == -1:
        # The channel closed with no exit status: sshd or the connection
        # ended the session, not the command (whose verdict this would be).
        raise RemoteCommandError(f"on {conn['host']}: the session ended without an exit status; "
                                 f"stderr: {err[-500:].strip()}")
    if rc != 0:
        raise CommandFailed(f"on {conn['host']}: exit {rc}\n--- stdout\n{out[-3000:]}\n--- stderr\n{err[-3000:]}", rc,
                            out[-3000:], err[-3000:])
    return out, err
