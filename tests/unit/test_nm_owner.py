"""On a NetworkManager host, the stack never replaces a connection of the
owner's: the network's apply refuses before it changes anything when an
interface it would write a connection for is run by one of the owner's
files. A connection NetworkManager made up itself (in /run) is superseded.

The rendered script runs in a chroot (tests/shell_sandbox.py) with stand-ins
for systemctl (NetworkManager running, networkd not) and nmcli (the active
connections), and real file tools."""

from __future__ import annotations

import shutil

import pytest

from components.config import validate
from components.render.host_network import render_host_network
from components.stack import vps_network
from tests.shell_sandbox import Sandbox, _libraries
from tests.unit.test_render import PROD_RAW, PROD_SECRETS

KEYFILE = "/etc/NetworkManager/system-connections/personal-as-dummy0.nmconnection"


def sandbox(tmp_path, active: str) -> Sandbox:
    box = Sandbox(tmp_path, {"sysctl", "ip", "nft", "grep", "sha256sum", "networkctl", "nmcli", "systemctl",
                             "tr", "mktemp", "ls", "stat"})
    # Real tools where the script's own logic needs them (files written, the
    # owner's connection picked out); everything else is a stand-in.
    for tool in ("sed", "head", "cat", "cmp", "mv", "mkdir", "rm", "chmod", "dirname", "touch"):
        path = shutil.which(tool)
        for lib in _libraries(path):
            dest = tmp_path / lib.lstrip("/")
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(lib, dest)
        shutil.copy2(path, tmp_path / "bin" / tool)
    (tmp_path / "dev").mkdir(exist_ok=True)
    (tmp_path / "dev" / "null").write_text("")  # a file will do: nothing reads it
    (tmp_path / "bin" / "systemctl").write_text(
        '#!/bin/dash\ncase "$*" in *systemd-networkd*) exit 1 ;; *NetworkManager*) exit 0 ;; esac\nexit 0\n')
    # `command -v nmcli` finds it; `connection show --active` lists DEVICE:FILENAME.
    (tmp_path / "bin" / "nmcli").write_text(
        f'#!/bin/dash\ncase "$*" in *--active*) printf "%s\\n" "{active}" ;; esac\nexit 0\n')
    return box


def script() -> str:
    return render_host_network(vps_network(validate(PROD_RAW, PROD_SECRETS, check_files=False, placeholders_ok=True),
                                           False))


def test_an_interface_run_by_the_owners_connection_is_refused_before_anything_changes(tmp_path):
    ran = sandbox(tmp_path, "dummy0:/etc/NetworkManager/system-connections/owners.nmconnection").run(script())
    assert ran.returncode == 1
    assert "dummy0 is run by NetworkManager's connection in /etc/NetworkManager/system-connections/owners" \
           ".nmconnection, the host's own" in ran.stderr and "Nothing was changed" in ran.stderr
    assert not (tmp_path / KEYFILE.lstrip("/")).exists()
    assert not [c for c in ran.calls if c[0] in ("sysctl", "ip", "nft", "nmcli") and "--active" not in c]


@pytest.mark.parametrize("active", ["dummy0:/run/NetworkManager/system-connections/Wired connection 1.nmconnection",
                                    f"dummy0:{KEYFILE}", "eth0:/etc/NetworkManager/system-connections/owners.nmconnection",
                                    ""], ids=["made-up", "the-stacks-own", "another-interface", "none"])
def test_a_made_up_or_the_stacks_own_connection_or_none_goes_ahead(tmp_path, active):
    ran = sandbox(tmp_path, active).run(script())
    assert "is run by NetworkManager's connection" not in ran.stderr, ran.stderr
    assert (tmp_path / KEYFILE.lstrip("/")).exists(), ran.stderr[-2000:]
