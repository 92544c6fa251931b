"""testinfra hosts for every host of the stack, reached over SSH.

The same tests run against a lab (SSH over the management bridge, with the
stack's own key) or prod (the hosts and key in the stack config).
"""

from __future__ import annotations

import os

import pytest
import testinfra

from tests.infra import stack


@pytest.fixture(scope="session")
def ssh_config(tmp_path_factory):
    """An OpenSSH config for every host of the stack, trusting only the host
    keys the stack pinned (never the operator's own known_hosts)."""
    out = stack.outputs()
    cfg = stack.config()
    d = tmp_path_factory.mktemp("ssh")
    lines = []
    if "ssh_private_key" in out:
        key = d / "id_ed25519"
        key.write_text(out["ssh_private_key"])
        key.chmod(0o600)
    known = d / "known_hosts"
    entries = []
    for name, entry in out["hosts"].items():
        login, _, where = entry["ssh"].partition("@")
        address, _, port = where.rpartition(":") if where.count(":") == 1 else (where, "", "22")
        spec = cfg.hosts.get(name)
        real = spec is not None and spec.kind == "ssh"
        identity = spec.key_file if real else str(d / "id_ed25519")
        known_as = address if port in ("", "22") else f"[{address}]:{port}"
        entries += [f"{known_as} {k}" for k in entry["host_keys"]]
        lines += [f"Host {name}", f"  HostName {address}", f"  User {login}", f"  Port {port or 22}",
                  "  StrictHostKeyChecking yes", f"  UserKnownHostsFile {known}", "  GlobalKnownHostsFile /dev/null",
                  "  LogLevel ERROR", "  ConnectTimeout 10", "  IdentitiesOnly yes"]
        if real:
            # One connection per real host for all of a process's commands
            # (testinfra asks for ControlMaster, but without a path there is
            # none): a login to an emulated guest costs it seconds of CPU
            # (3.7 s against 0.9 s through a master, 2026-12-06). A master
            # to a host that went away (a power cut) gives up within 15 s,
            # and the next command logs in afresh. Lab hosts are containers
            # that tests remove and recreate, and log in in milliseconds.
            lines += [f"  ControlPath {d}/%C", "  ServerAliveInterval 5", "  ServerAliveCountMax 3"]
        if identity:
            lines.append(f"  IdentityFile {os.path.expanduser(identity)}")
    known.write_text("\n".join(entries) + "\n")
    path = d / "config"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def _host(name: str, ssh_config: str):
    login = stack.outputs()["hosts"][name]["ssh"].split("@")[0]
    # A non-root login works through sudo, as the stack itself does.
    return testinfra.get_host(f"ssh://{name}", ssh_config=ssh_config, sudo=login != "root")


def _host_fixture(name: str):
    @pytest.fixture(scope="session", name=name)
    def host_fixture(ssh_config):
        if name not in stack.outputs()["hosts"]:
            pytest.skip(f"stack {stack.STACK} has no host {name}")
        return _host(name, ssh_config)

    return host_fixture


# One session fixture per host a stack may have, named after it:
# `def test_x(vps): ...`. A stack that faces no lab world (prod) has only
# vps and home; tests of the lab world's hosts skip there.
HOSTS = ("vps", "home", "gw", "transit", "peer", "client", "rir", "validator", "acme", "irr")
vps, home, gw, transit, peer, client, rir, validator, acme, irr = (_host_fixture(h) for h in HOSTS)


@pytest.fixture(scope="session")
def cfg():
    return stack.config()


@pytest.fixture(scope="session")
def plan():
    return stack.plan()

