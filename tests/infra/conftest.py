"""testinfra hosts for every host of the stack, reached over SSH.

The same tests run against a lab (SSH over the management bridge, with the
stack's own key) or prod (the hosts and key in the stack config).
"""

from __future__ import annotations

import pytest
import testinfra

from tests.infra import stack


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


def _host_fixture(name: str):
    @pytest.fixture(scope="session", name=name)
    def host_fixture(ssh_config):
        return _host(name, ssh_config)

    return host_fixture


# One session fixture per host of the lab, named after it: `def test_x(vps): ...`
HOSTS = ("vps", "home", "gw", "transit", "peer", "client", "rir", "validator")
vps, home, gw, transit, peer, client, rir, validator = (_host_fixture(h) for h in HOSTS)


@pytest.fixture(scope="session")
def cfg():
    return stack.config()


@pytest.fixture(scope="session")
def plan():
    return stack.plan()

