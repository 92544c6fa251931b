"""The Docker engine a host's containers live on.

A lab host's services run on this machine's engine. A real host's engine is
reached through the project's own SSH connection (the pinned host key and
the configured key, never the operator's ~/.ssh): each API connection is a
channel running `docker system dial-stdio` on the host, bridged to a private
Unix socket here that the Docker SDK talks to.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import tempfile
import threading
from typing import Any, Iterator

from ..render.env import sh_word


def _pump(src_recv, dst_send, on_eof) -> None:
    try:
        while True:
            data = src_recv(65536)
            if not data:
                break
            dst_send(data)
    except OSError:
        pass
    finally:
        with contextlib.suppress(Exception):
            on_eof()


def _bridge(local: socket.socket, chan) -> None:
    """Copy bytes both ways between a local socket and an SSH channel."""
    def local_eof():
        chan.shutdown_write()

    def remote_eof():
        local.shutdown(socket.SHUT_WR)

    t = threading.Thread(target=_pump, args=(local.recv, chan.sendall, local_eof), daemon=True)
    t.start()
    _pump(chan.recv, local.sendall, remote_eof)
    t.join(timeout=5)
    local.close()
    chan.close()


@contextlib.contextmanager
def ssh_engine(conn: dict[str, Any]) -> Iterator[Any]:
    """A DockerClient for the engine on the host behind `conn`."""
    from .ssh import as_root, open_session, pooled, session_slot

    ssh, _ = pooled(conn)  # the provider's kept connection to this host
    tmp = tempfile.mkdtemp(prefix="pas-docker-")
    path = os.path.join(tmp, "docker.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    os.chmod(path, 0o600)
    server.listen(16)

    def connection(local: socket.socket) -> None:
        # One API connection is one SSH session for as long as it lasts.
        with session_slot(conn):
            try:
                chan = open_session(ssh)
                chan.exec_command(as_root(conn, "docker system dial-stdio"))
            except Exception:  # noqa: BLE001 - the SDK sees a closed connection and says so
                local.close()
                return
            _bridge(local, chan)

    def serve() -> None:
        while True:
            try:
                local, _ = server.accept()
            except OSError:
                return  # the server socket was closed
            threading.Thread(target=connection, args=(local,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    client = one_connection_client(f"unix://{path}")
    try:
        yield client
    finally:
        client.close()
        # shutdown() wakes the accept() in serve(); close() alone leaves it
        # (and its thread) waiting on a socket nobody will ever connect to.
        with contextlib.suppress(OSError):
            server.shutdown(socket.SHUT_RDWR)
        server.close()
        shutil.rmtree(tmp, ignore_errors=True)


# The engine API version the client speaks: Debian bookworm's docker.io
# (20.10). Every engine since accepts it. Given, not asked for: asking is one
# more connection, and here a connection is dear (see one_connection_client).
API_VERSION = "1.41"


def one_connection_client(base_url: str):
    """A DockerClient that keeps one connection for all its calls.

    docker-py keys its connection pools by URL, so each API path it calls
    (inspect, create, archive, start) opens one more connection and keeps
    it until close. Through ssh_engine a connection is an SSH session and a
    `docker` CLI started on the host: seconds on a small machine, and sshd
    allows 10 sessions per connection. Holding several at once, a few
    containers created together took every session and then waited for
    more: none came until the waits timed out (vmlab's first `up` with
    monitoring). One pool for every path makes a client one session.
    """
    import docker

    client = docker.DockerClient(base_url=base_url, timeout=300, version=API_VERSION)
    adapter = client.api.get_adapter(client.api.base_url)
    by_url = adapter.get_connection
    adapter.get_connection = lambda _url, proxies=None: by_url(client.api.base_url, proxies)
    return client


# A container Docker restarted (its daemon died) within this many seconds
# is a suspect, looked at twice: Docker's restart back-off tops out at one
# minute, so a daemon that cannot start is always restarted within it.
CRASH_WINDOW_S = 90


def _started_at(text: str) -> float:
    """Docker's StartedAt (RFC 3339 with nanoseconds) as epoch seconds."""
    import datetime

    m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$", text.strip())
    if not m:
        return 0.0
    zone = "+00:00" if m.group(3) == "Z" else m.group(3)
    return datetime.datetime.fromisoformat(m.group(1) + zone).timestamp()


def _suspect(status: str, restarts: int, started_at: str, now: float) -> bool:
    """Running, but restarted by Docker lately: maybe a daemon that keeps
    dying (between two restarts it is "running" for a moment: nginx retries
    a taken port for 2.5 s before it gives up), maybe one that died once,
    after a reboot say, and is fine now."""
    return status == "running" and restarts > 0 and now - _started_at(started_at) < CRASH_WINDOW_S


def judge_state(first: tuple[str, int], second: tuple[str, int] | None) -> str:
    """Docker's state, or "crash-looping": a suspect container (see
    _suspect) looked at again SETTLE_S later, and it had stopped or been
    restarted once more in between."""
    status, restarts = first
    if second is None:
        return status
    if second[0] != "running" or second[1] > restarts:
        return "crash-looping"
    return second[0]


SETTLE_S = 5


# Every container's diff asks its host for the container's state, and a
# `docker` CLI started on a small machine costs seconds of its CPU (vmlab's
# TCG guests: 1-3 s each, a dozen per preview). One `docker inspect` of all
# of the project's containers on a host answers the diffs that follow it for
# SNAPSHOT_TTL_S; an id it does not hold (made since, or gone) and a suspect's
# second look are asked for anew, and this process's own creates and deletes
# on the host drop it.
SNAPSHOT_TTL_S = 15
INSPECT_FORMAT = "{{.State.Status}} {{.RestartCount}} {{.State.StartedAt}}"
_SNAPSHOTS: dict[tuple, tuple[float, dict[str, tuple[str, int, str, float]]]] = {}
_SNAPSHOT_LOCKS: dict[tuple, threading.Lock] = {}
_SNAPSHOT_GUARD = threading.Lock()


def parse_snapshot(out: str) -> dict[str, tuple[str, int, str, float]]:
    """`<id> <status> <restarts> <started at>` lines, then the host's clock."""
    lines = out.strip().splitlines()
    clock = float(lines[-1])
    states = {}
    for line in lines[:-1]:
        fields = line.split()
        if len(fields) == 4 and fields[2].isdigit():
            states[fields[0]] = (fields[1], int(fields[2]), fields[3], clock)
    return states


def _snapshot(spec: dict[str, Any]) -> dict[str, tuple[str, int, str, float]]:
    import time

    from .container import PROJECT_LABEL
    from .ssh import _pool_key, run

    key = _pool_key(spec)
    with _SNAPSHOT_GUARD:
        lock = _SNAPSHOT_LOCKS.setdefault(key, threading.Lock())
    with lock:
        taken = _SNAPSHOTS.get(key)
        if taken and time.monotonic() - taken[0] < SNAPSHOT_TTL_S:
            return taken[1]
        # One gone between the two commands is left out (a miss, asked
        # anew); so is every one if the engine does not answer.
        out, _ = run(spec, f"ids=$(docker ps -aq --no-trunc --filter label={PROJECT_LABEL} 2>/dev/null); "
                           f"[ -z \"$ids\" ] || docker inspect -f '{{{{.Id}}}} {INSPECT_FORMAT}' $ids 2>/dev/null; "
                           "date +%s", timeout=60)
        states = parse_snapshot(out)
        _SNAPSHOTS[key] = (time.monotonic(), states)
        return states


def forget_snapshot(spec: dict[str, Any] | None) -> None:
    """This process changed the host's containers: the next diff asks again."""
    if spec:
        from .ssh import _pool_key

        _SNAPSHOTS.pop(_pool_key(spec), None)


def _inspect(spec: dict[str, Any] | None, container_id: str,
             fresh: bool = False) -> tuple[str, int, str, float] | None:
    """(status, restart count, started at, the host's clock), None if gone."""
    import time

    if not spec:
        import docker

        client = docker.from_env()
        try:
            attrs = client.containers.get(container_id).attrs
        except docker.errors.NotFound:
            return None
        finally:
            client.close()
        state = attrs.get("State", {})
        return state.get("Status", ""), int(attrs.get("RestartCount", 0)), state.get("StartedAt", ""), time.time()
    from .ssh import RemoteCommandError, run

    if not fresh:
        known = _snapshot(spec).get(container_id)
        if known is not None:
            return known
    try:
        out, _ = run(spec, f"docker inspect -f '{INSPECT_FORMAT}' {sh_word(container_id)} && date +%s", timeout=60)
    except RemoteCommandError as err:
        if "No such object" in str(err):
            return None
        raise
    status, restarts, started, clock = out.split()[:4]
    return status, int(restarts), started, float(clock)


def container_status(spec: dict[str, Any] | None, container_id: str) -> str | None:
    """A container's state ("running", "exited", "crash-looping", ...), None
    if it is gone. On a real host from the host's snapshot (one `docker
    inspect` over the kept SSH connection for all of them; a suspect is
    looked at again on its own): this runs at every preview, and each Docker
    API call through dial-stdio would start a docker CLI on the host."""
    import time

    first = _inspect(spec, container_id)
    if first is None:
        return None
    second = None
    if _suspect(*first):
        time.sleep(SETTLE_S)
        again = _inspect(spec, container_id, fresh=True)
        second = ("gone", first[1]) if again is None else again[:2]
    return judge_state(first[:2], second)


@contextlib.contextmanager
def engine(spec: dict[str, Any] | None) -> Iterator[Any]:
    """The local engine (spec None), or a real host's over SSH."""
    import docker

    if not spec:
        client = docker.from_env()
        try:
            yield client
        finally:
            client.close()
    else:
        with ssh_engine(spec) as client:
            yield client
