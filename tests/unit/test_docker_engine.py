"""The Docker client used over SSH keeps to one connection.

Over SSH each API connection is a session and a `docker` CLI started on the
host. A stand-in engine (a real HTTP/1.1 server on a Unix socket) counts the
connections a container's create sequence opens.
"""

from __future__ import annotations

import http.server
import json
import socketserver
import threading

import pytest

from components.providers.docker_engine import API_VERSION, one_connection_client


class _Engine(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    connections = 0


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as dockerd does

    def setup(self):
        super().setup()
        self.server.connections += 1

    def _reply(self, status: int, body: dict):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path.endswith("/version"):
            self._reply(200, {"ApiVersion": API_VERSION})
        elif "/containers/" in self.path:
            self._reply(404, {"message": "No such container"})
        else:
            self._reply(200, {})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self._reply(201, {"Id": "abc"})

    def log_message(self, *_):
        pass


@pytest.fixture
def engine(tmp_path):
    server = _Engine(str(tmp_path / "docker.sock"), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def _create_sequence(client):
    """What a container's create asks, path by path (container.py's _create)."""
    import docker

    with pytest.raises(docker.errors.NotFound):
        client.containers.get("vmlab-home-prometheus")
    client.api.create_container(image="personal-as/metrics:x", name="vmlab-home-prometheus")
    with pytest.raises(docker.errors.NotFound):
        client.api.inspect_container("abc")
    client.api.start("abc")


def test_a_create_sequence_uses_one_connection(engine):
    client = one_connection_client(f"unix://{engine.server_address}")
    try:
        _create_sequence(client)
    finally:
        client.close()
    assert engine.connections == 1


def test_the_stock_client_would_open_one_connection_per_path(engine):
    """Why one_connection_client exists: docker-py pools by URL."""
    import docker

    client = docker.DockerClient(base_url=f"unix://{engine.server_address}", timeout=10)
    try:
        _create_sequence(client)
    finally:
        client.close()
    assert engine.connections >= 4


# --- a crash-looping container is drift, a container that once restarted is not


def test_a_container_restarted_lately_is_looked_at_twice_and_one_long_stable_is_not():
    from components.providers.docker_engine import _suspect

    now = 1_796_405_900.0  # 2026-12-04T17:38:20Z
    assert _suspect("running", 2, "2026-12-04T17:37:05.123456789Z", now)
    assert not _suspect("running", 2, "2026-12-04T17:30:00.000000001Z", now)
    assert not _suspect("running", 0, "2026-12-04T17:38:19Z", now)


def test_a_suspect_that_restarted_again_or_stopped_is_crash_looping_and_a_steady_one_runs():
    from components.providers.docker_engine import judge_state

    assert judge_state(("running", 3), ("running", 4)) == "crash-looping"
    assert judge_state(("running", 3), ("restarting", 3)) == "crash-looping"
    assert judge_state(("running", 3), ("gone", 3)) == "crash-looping"
    assert judge_state(("running", 3), ("running", 3)) == "running"
    assert judge_state(("exited", 0), None) == "exited"


# --- one `docker inspect` per host answers every container's diff in a preview

FAKE_DOCKER = """#!/bin/sh
# A host's docker CLI: the containers in $STATE ("<id> <status> <restarts>
# <started at>" lines), each start of it counted in $STATE.calls.
echo "$*" >> "$STATE.calls"
case "$1" in
  ps) cut -d' ' -f1 "$STATE" ;;
  inspect)  # -f FORMAT ID...: with the id first if FORMAT asks for it
    format=$3; shift 3; rc=0
    for id in "$@"; do
      line=$(grep "^$id " "$STATE") || { echo "Error: No such object: $id" >&2; rc=1; continue; }
      case "$format" in "{{.Id}}"*) echo "$line" ;; *) echo "${line#* }" ;; esac
    done
    exit $rc ;;
esac
"""


@pytest.fixture
def host(tmp_path, monkeypatch):
    """A host whose `docker` is FAKE_DOCKER, reached through the provider's
    own `run` (the command runs in a real sh here instead of over SSH)."""
    import subprocess

    from components.providers import docker_engine, ssh

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "docker").write_text(FAKE_DOCKER)
    (bin_dir / "docker").chmod(0o755)
    state = tmp_path / "containers"
    state.write_text("")

    def run(_conn, command, stdin=None, timeout=300):
        res = subprocess.run(["sh", "-c", command], capture_output=True, text=True,
                             env={"PATH": f"{bin_dir}:/usr/bin:/bin", "STATE": str(state)})
        if res.returncode != 0:
            raise ssh.RemoteCommandError(res.stderr)
        return res.stdout, res.stderr

    monkeypatch.setattr(ssh, "run", run)
    monkeypatch.setattr(docker_engine, "_SNAPSHOTS", {})

    class Host:
        spec = {"host": "203.0.113.10", "user": "root", "host_keys": ["ssh-ed25519 AAAA"]}

        def has(self, *lines):
            state.write_text("".join(f"{line}\n" for line in lines))

        def docker_calls(self):
            calls = tmp_path / "containers.calls"
            return calls.read_text().splitlines() if calls.exists() else []

    return Host()


LONG_AGO = "2026-01-01T00:00:00Z"


def test_every_containers_diff_in_a_preview_costs_the_host_one_inspect(host):
    from components.providers.docker_engine import container_status

    host.has(f"{'a' * 64} running 0 {LONG_AGO}", f"{'b' * 64} exited 0 {LONG_AGO}", f"{'c' * 64} running 0 {LONG_AGO}")
    assert [container_status(host.spec, x * 64) for x in "abc"] == ["running", "exited", "running"]
    # docker ps and one docker inspect of all three: two CLI starts, not three.
    assert [c.split()[0] for c in host.docker_calls()] == ["ps", "inspect"]
    assert host.docker_calls()[1].endswith(" ".join(x * 64 for x in "abc"))


def test_a_container_the_snapshot_does_not_hold_is_asked_for_and_one_gone_is_gone(host):
    from components.providers.docker_engine import container_status

    host.has(f"{'a' * 64} running 0 {LONG_AGO}")
    assert container_status(host.spec, "a" * 64) == "running"
    # Made since the snapshot (by hand, or by another run): asked for anew.
    host.has(f"{'a' * 64} running 0 {LONG_AGO}", f"{'d' * 64} exited 1 {LONG_AGO}")
    assert container_status(host.spec, "d" * 64) == "exited"
    # Gone: a miss, asked for anew, and gone.
    assert container_status(host.spec, "e" * 64) is None
    assert [c.split()[0] for c in host.docker_calls()] == ["ps", "inspect", "inspect", "inspect"]


def test_a_suspect_is_looked_at_again_on_the_host_not_in_the_snapshot(host, monkeypatch):
    import datetime

    from components.providers import docker_engine

    monkeypatch.setattr(docker_engine, "SETTLE_S", 0)
    just_now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    host.has(f"{'a' * 64} running 2 {just_now}")
    real_inspect = docker_engine._inspect

    def restarted_meanwhile(spec, cid, fresh=False):
        if fresh:  # Docker restarted it once more during the settle time
            host.has(f"{'a' * 64} running 3 {just_now}")
        return real_inspect(spec, cid, fresh)

    monkeypatch.setattr(docker_engine, "_inspect", restarted_meanwhile)
    assert docker_engine.container_status(host.spec, "a" * 64) == "crash-looping"


def test_the_processs_own_create_or_delete_on_a_host_drops_its_snapshot(host):
    from components.providers.docker_engine import container_status, forget_snapshot

    host.has(f"{'a' * 64} running 0 {LONG_AGO}")
    assert container_status(host.spec, "a" * 64) == "running"
    host.has(f"{'a' * 64} exited 137 {LONG_AGO}")
    assert container_status(host.spec, "a" * 64) == "running"  # the snapshot, seconds old
    forget_snapshot(host.spec)
    assert container_status(host.spec, "a" * 64) == "exited"
