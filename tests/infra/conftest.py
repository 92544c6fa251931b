"""testinfra hosts for every host of the stack, reached over SSH.

The same tests run against a lab (SSH over the management bridge, with the
stack's own key) or prod (the hosts and key in the stack config).
"""

from __future__ import annotations

import pytest
import testinfra

from tests.infra import stack


def pytest_configure(config):
    config.addinivalue_line("markers", "destructive: breaks something on purpose and restores it")


@pytest.fixture(scope="session")
def ssh_config(tmp_path_factory):
    out = stack.outputs()
    cfg = stack.config()
    d = tmp_path_factory.mktemp("ssh")
    lines = []
    if "ssh_private_key" in out:
        key = d / "id_ed25519"
        key.write_text(out["ssh_private_key"])
        key.chmod(0o600)
    for name, entry in out["hosts"].items():
        user_host, _, port = entry["ssh"].partition("@")[2].partition(":")
        spec = cfg.hosts.get(name)
        identity = str(d / "id_ed25519") if "ssh_private_key" in out else (spec.key_file if spec else None)
        lines += [f"Host {name}", f"  HostName {user_host}", f"  User {entry['ssh'].split('@')[0]}",
                  f"  Port {port or 22}", "  StrictHostKeyChecking no", "  UserKnownHostsFile /dev/null",
                  "  LogLevel ERROR", "  ConnectTimeout 10"]
        if identity:
            lines.append(f"  IdentityFile {identity}")
    path = d / "config"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def _host(name: str, ssh_config: str):
    return testinfra.get_host(f"ssh://{name}", ssh_config=ssh_config)


@pytest.fixture(scope="session")
def vps(ssh_config):
    return _host("vps", ssh_config)


@pytest.fixture(scope="session")
def home(ssh_config):
    return _host("home", ssh_config)


@pytest.fixture(scope="session")
def gw(ssh_config):
    return _host("gw", ssh_config)


@pytest.fixture(scope="session")
def transit(ssh_config):
    return _host("transit", ssh_config)


@pytest.fixture(scope="session")
def peer(ssh_config):
    return _host("peer", ssh_config)


@pytest.fixture(scope="session")
def client(ssh_config):
    return _host("client", ssh_config)


@pytest.fixture(scope="session")
def cfg():
    return stack.config()


@pytest.fixture(scope="session")
def plan():
    return stack.plan()


@pytest.fixture(scope="session")
def rir(ssh_config):
    return _host("rir", ssh_config)


@pytest.fixture(scope="session")
def validator(ssh_config):
    return _host("validator", ssh_config)
