"""The vmlab tier: the user's vps and home are real Debian machines (QEMU
guests) reached by `kind: ssh`, inside the lab world. Run with
PERSONAL_AS_STACK=vmlab; the fixtures are the lab tier's and tests/infra's."""

from __future__ import annotations

import os
import shlex
import subprocess

import pytest

from tests.infra.conftest import (  # noqa: F401 - fixtures
    cfg, client, gw, home, peer, plan, rir, ssh_config, transit, validator, vps,
)
from tests.infra.stack import STACK, config
from tests.lab.conftest import lab_is_up, restore_stack_file  # noqa: F401 - fixtures

if STACK != "vmlab":
    pytest.skip("the vmlab tier runs with PERSONAL_AS_STACK=vmlab", allow_module_level=True)


def guest_shell(name: str, command: str, check: bool = True) -> subprocess.CompletedProcess:
    """A root shell on a guest that does NOT check its host key: the tests'
    own way in for rotating and restoring that key. The product never does this."""
    spec = config().hosts[name]
    address, port = spec.address, spec.port
    wrapped = command if spec.user == "root" else f"sudo -n sh -c {shlex.quote(command)}"
    res = subprocess.run(
        ["ssh", "-i", os.path.expanduser(spec.key_file), "-p", str(port), "-o", "BatchMode=yes",
         "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
         f"{spec.user}@{address}", wrapped], capture_output=True, text=True, timeout=120)
    if check and res.returncode != 0:
        raise AssertionError(f"{name}: {command}: {res.stderr}")
    return res


def connection(name: str) -> dict:
    """The product's own connection to a guest (components/providers/ssh.py),
    pinned to the host keys the stack recorded."""
    from tests.infra import stack

    spec = config().hosts[name]
    return {"host": spec.address, "port": spec.port, "user": spec.user, "key_file": spec.key_file,
            "host_keys": stack.outputs()["hosts"][name]["host_keys"]}
