"""The vmlab tier: the user's vps and home are real Debian machines (QEMU
guests) reached by `kind: ssh`, inside the lab world. Run with
PERSONAL_AS_STACK=guide (make test: the stack the prod guide's run leaves,
test_0_guide.py) or vmlab (make vmlab); the fixtures are the lab tier's and
tests/infra's."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from pathlib import Path

import pytest

from components.cache_dir import cache_dir
from tests.infra.conftest import (  # noqa: F401 - fixtures
    cfg, client, gw, home, peer, plan, rir, ssh_config, transit, validator, vps,
)
from tests.infra.stack import STACK, config
from tests.lab.conftest import lab_is_up, restore_stack_file  # noqa: F401 - fixtures

# The stacks whose vps and home are the guests (scripts/guests).
GUEST_STACKS = ("guide", "vmlab")
if STACK not in GUEST_STACKS:
    pytest.skip(f"the vmlab tier runs with PERSONAL_AS_STACK in {GUEST_STACKS}", allow_module_level=True)


# guest_shell's connections, one per guest, kept open between its commands
# (a login costs an emulated guest seconds of CPU); apart from the pinned
# ones tests/infra's hosts use, since these check no host key.
_MUX_DIR = tempfile.mkdtemp(prefix="pas-guest-ssh-")


def guest_shell(name: str, command: str, check: bool = True, timeout: float = 120,
                kept: bool = True) -> subprocess.CompletedProcess:
    """A root shell on a guest that does NOT check its host key: the tests'
    own way in for rotating and restoring that key. The product never does this.
    `kept`: through the guest's kept connection; a test that resets the
    guest asks for a login of its own, which says at once whether the
    machine answers."""
    spec = config().hosts[name]
    address, port = spec.address, spec.port
    wrapped = command if spec.user == "root" else f"sudo -n sh -c {shlex.quote(command)}"
    res = subprocess.run(
        ["ssh", "-i", os.path.expanduser(spec.key_file), "-p", str(port), "-o", "BatchMode=yes",
         "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
         # A guest that is booting (or was just cut off) may accept the TCP
         # connection and then say nothing: give up in seconds, not minutes.
         "-o", "ConnectTimeout=10", "-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=3",
         *(["-o", "ControlMaster=auto", "-o", f"ControlPath={_MUX_DIR}/%C", "-o", "ControlPersist=60"] if kept
           else ["-o", "ControlPath=none"]),
         f"{spec.user}@{address}", wrapped], capture_output=True, text=True, timeout=timeout)
    if check and res.returncode != 0:
        raise AssertionError(f"{name}: {command}: {res.stderr}")
    return res


def pristine_packages(name: str) -> set[str]:
    """The packages the guest's disk had before any stack touched it, as its
    build listed them (scripts/guests/build.sh; guests.env names the file)."""
    cache = cache_dir()
    key = f"VMLAB_{name.upper()}_PRISTINE_PACKAGES="
    for line in (cache / "vmlab/guests.env").read_text().splitlines():
        if line.startswith(key):
            return set(Path(line[len(key):]).read_text().split())
    raise AssertionError(f"guests.env names no {key[:-1]}: rebuild the guests (make vmlab)")


def connection(name: str) -> dict:
    """The product's own connection to a guest (components/providers/ssh.py),
    pinned to the host keys the stack recorded."""
    from tests.infra import stack

    spec = config().hosts[name]
    return {"host": spec.address, "port": spec.port, "user": spec.user, "key_file": spec.key_file,
            "host_keys": stack.outputs()["hosts"][name]["host_keys"]}


# home's own services, there before the stack (scripts/guests/image): each
# as (what, URL path on home, the page it serves).
HOMES_OWN = (("Apache", "http://{a}/", "home's own page"),
             ("Debian's nginx", "https://{a}/", "home's own nginx"),
             ("the dashboard", "http://{a}:3000/", "home's own dashboard"))


def homes_own_services_answer(client=None, plan=None) -> list[str]:
    """What of home's own services does not answer: to the lab's client over
    the routed path (home's address on its link to rir; while the lab world
    is up), to this machine on home's LAN side (the management network), and
    on home's own loopback. Empty: all three answer every way."""
    failed = []
    lan = config().hosts["home"].address
    for what, url, page in HOMES_OWN:
        if client is not None:
            home6 = next(a.split("/")[0] for i, a in plan.addresses_of("home") if i == "eth-rir")
            remote = client.run(f"curl -fsSk -m 5 {url.format(a=f'[{home6}]')}")
            if remote.rc != 0 or page not in remote.stdout:
                failed.append(f"{what} from client: rc {remote.rc} {remote.stderr.strip()}")
        beside = subprocess.run(["curl", "-fsSk", "-m", "5", url.format(a=lan)], capture_output=True, text=True)
        if beside.returncode != 0 or page not in beside.stdout:
            failed.append(f"{what} from home's LAN side: rc {beside.returncode} {beside.stderr.strip()}")
        local = guest_shell("home", f"curl -fsSk -m 5 {url.format(a='127.0.0.1')}", check=False)
        if local.returncode != 0 or page not in local.stdout:
            failed.append(f"{what} on home's loopback: rc {local.returncode} {local.stderr.strip()}")
    return failed
