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
