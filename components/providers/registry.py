"""The local end of image shipping: Debian's docker-registry, on loopback.

Images reach a real host as registry layers, not as `docker save` tarballs.
They are pushed here: docker compresses each layer once, and skips a layer
this registry already holds. The host's own docker then pulls through a
reverse SSH tunnel (image_transfer.py), and fetches only the layers it lacks.
Nothing is installed on the host, and no port opens there.

The registry runs only while a transfer needs it: the first transfer of a
provider process starts it, and the last one stops it. Its storage stays in
the cache, so the next `up` finds its layers there.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from ..cache_dir import cache_dir

# Loopback only. Fixed, because docker remembers which layers it pushed to
# which registry address; a new port each run would make it compress and
# stream every layer again.
REGISTRY_PORT = 5787
REGISTRY = f"127.0.0.1:{REGISTRY_PORT}"

_GUARD = threading.Lock()
# One push at a time: images share their base, and two pushes of one new
# layer side by side race each other's uploads; pushing is local and quick.
_PUSH = threading.Lock()
_users = 0
_proc: subprocess.Popen | None = None


def registry_dir() -> Path:
    return cache_dir() / "registry"


def _config(root: Path) -> str:
    # No auth: it listens on loopback only, for this user's docker.
    return (
        "version: 0.1\n"
        "log:\n  level: warn\n  accesslog:\n    disabled: true\n"
        f"storage:\n  filesystem:\n    rootdirectory: {root / 'data'}\n"
        "  cache:\n    blobdescriptor: inmemory\n"
        f"http:\n  addr: {REGISTRY}\n"
    )


def _answers() -> bool:
    try:
        with urllib.request.urlopen(f"http://{REGISTRY}/v2/", timeout=2) as resp:
            return resp.headers.get("Docker-Distribution-Api-Version") == "registry/2.0"
    except OSError:
        return False


def _port_taken() -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", REGISTRY_PORT)) == 0


def _stop_orphan(pidfile: Path) -> None:
    """A registry left by a killed run (its provider died with SIGKILL)."""
    try:
        pid = int(pidfile.read_text())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return
    if b"docker-registry" in cmdline and str(pidfile.parent).encode() in cmdline:
        os.kill(pid, signal.SIGTERM)
        for _ in range(50):
            if not Path(f"/proc/{pid}").exists():
                break
            time.sleep(0.1)


def _start() -> subprocess.Popen:
    binary = shutil.which("docker-registry")
    if binary is None:
        raise RuntimeError(
            "shipping images to a real host needs Debian's docker-registry on this machine: "
            "`apt-get install docker-registry` (make bootstrap installs it)")
    root = registry_dir()
    root.mkdir(parents=True, exist_ok=True)
    pidfile = root / "registry.pid"
    _stop_orphan(pidfile)
    if _port_taken():
        raise RuntimeError(
            f"127.0.0.1:{REGISTRY_PORT} is taken by another program; the stack's image registry listens there "
            "while images are shipped. Stop that program, or free the port")
    config = root / "config.yml"
    config.write_text(_config(root))
    # One run's log: a push's existence checks log every missing blob as an error.
    log = open(root / "registry.log", "wb")
    proc = subprocess.Popen([binary, "serve", str(config)], stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    pidfile.write_text(str(proc.pid))
    deadline = time.monotonic() + 20
    while not _answers():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            tail = (root / "registry.log").read_text(errors="replace")[-1500:]
            raise RuntimeError(f"docker-registry did not start on {REGISTRY}:\n{tail}")
        time.sleep(0.1)
    return proc


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    (registry_dir() / "registry.pid").unlink(missing_ok=True)


@contextmanager
def local_registry() -> Iterator[str]:
    """The registry's address ("127.0.0.1:<port>"), up for the duration."""
    global _users, _proc
    with _GUARD:
        if _users == 0:
            _proc = _start()
        _users += 1
    try:
        yield REGISTRY
    finally:
        with _GUARD:
            _users -= 1
            if _users == 0 and _proc is not None:
                _stop(_proc)
                _proc = None


def push(tag: str, registry: str) -> None:
    """Push a local image into the registry: only layers it lacks are compressed and stored."""
    import docker

    client = docker.from_env()
    repo, version = tag.rsplit(":", 1)
    alias = f"{registry}/{repo}"
    with _PUSH:
        client.images.get(tag).tag(alias, version)
        try:
            for line in client.images.push(alias, version, stream=True, decode=True):
                if "error" in line:
                    raise RuntimeError(f"pushing {tag} to the local registry failed: {line['error']}")
        finally:
            # Only the alias goes; the image and its layers stay.
            client.images.remove(f"{alias}:{version}", noprune=True)
