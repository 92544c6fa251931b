"""The loopback registry images are shipped from: Debian's docker-registry,
up only while transfers need it, one for all of them, and a registry left by
a killed run is replaced rather than trusted."""

from __future__ import annotations

import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from components.providers import registry

pytestmark = pytest.mark.skipif(shutil.which("docker-registry") is None, reason="docker-registry is not installed")


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("PERSONAL_AS_CACHE", str(tmp_path))
    # A port of its own: the vmlab tier, running beside this one, ships its
    # images through the real one.
    monkeypatch.setattr(registry, "REGISTRY_PORT", registry.REGISTRY_PORT + 1)
    monkeypatch.setattr(registry, "REGISTRY", f"127.0.0.1:{registry.REGISTRY_PORT}")
    if registry._port_taken():
        pytest.skip(f"127.0.0.1:{registry.REGISTRY_PORT} is in use (a transfer is running)")
    return tmp_path


def answers() -> bool:
    return registry._answers()


def test_one_registry_serves_nested_transfers_and_stops_with_the_last():
    with registry.local_registry() as outer:
        pid = int((registry.registry_dir() / "registry.pid").read_text())
        with registry.local_registry() as inner:
            assert inner == outer == f"127.0.0.1:{registry.REGISTRY_PORT}"
            assert int((registry.registry_dir() / "registry.pid").read_text()) == pid
        assert answers(), "the outer transfer still needs it"
        with urllib.request.urlopen(f"http://{outer}/v2/_catalog", timeout=5) as resp:
            assert resp.status == 200
    assert not answers()
    assert not Path(f"/proc/{pid}").exists()
    assert not (registry.registry_dir() / "registry.pid").exists()


def test_a_registry_left_by_a_killed_run_is_replaced(own_cache):
    root = registry.registry_dir()
    root.mkdir(parents=True)
    config = root / "config.yml"
    config.write_text(registry._config(root))
    orphan = subprocess.Popen(["docker-registry", "serve", str(config)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    (root / "registry.pid").write_text(str(orphan.pid))
    deadline = time.monotonic() + 20
    while not answers() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert answers()
    try:
        with registry.local_registry():
            assert orphan.wait(timeout=10) is not None  # the orphan was stopped
            assert int((root / "registry.pid").read_text()) != orphan.pid
            assert answers()
    finally:
        if orphan.poll() is None:
            orphan.kill()
    assert not answers()
