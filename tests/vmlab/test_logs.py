"""A small VPS's disk never fills with logs: Docker rotates each service
container's log (3 files of 10 MB at most), and the daemons write no log
files of their own (BIRD, nginx and Krill log to stdout and stderr)."""

from __future__ import annotations

import time

import pytest

from tests.infra.bird import wait_until
from tests.infra.stack import STACK
from tests.vmlab.conftest import guest_shell

SERVICES = {"vps": ("bird", "nginx", "acme"), "home": ("krill", "nginx")}
MAX_FILES, MAX_BYTES = 3, 10 * 1024 * 1024


def on(guest: str, command: str) -> str:
    return guest_shell(guest, command).stdout.strip()


def log_files(guest: str, log_path: str) -> dict[str, int]:
    out = on(guest, f"stat -c '%n %s' {log_path}*")
    return {name: int(size) for name, size in (line.rsplit(" ", 1) for line in out.splitlines())}


@pytest.mark.destructive
def test_a_flood_on_a_containers_output_is_rotated_and_bounded(lab_is_up):
    container = f"{STACK}-vps-nginx"
    log_path = on("vps", f"docker inspect -f '{{{{.LogPath}}}}' {container}")
    pid = on("vps", f"docker inspect -f '{{{{.State.Pid}}}}' {container}")
    # 35 MB of 1 kB lines into the daemon's own stdout, as a chatty daemon
    # would write them: more than the 30 MB the log may keep.
    on("vps", f"yes \"$(printf 'flood %0993d' 0)\" | head -c 35000000 > /proc/{pid}/fd/1")

    def settled() -> bool:
        first = sum(log_files("vps", log_path).values())
        time.sleep(2)
        return first == sum(log_files("vps", log_path).values())

    assert wait_until(settled, 120)
    files = log_files("vps", log_path)
    print(f"{container}'s log after a 35 MB flood: {files}")
    assert len(files) == MAX_FILES, f"expected {MAX_FILES} rotated files, found {sorted(files)}"
    assert sum(files.values()) <= MAX_FILES * MAX_BYTES + 64 * 1024
    # The daemon is unharmed.
    assert on("vps", f"docker inspect -f '{{{{.State.Status}}}}' {container}") == "running"


@pytest.mark.parametrize("guest,service", [(g, s) for g, services in SERVICES.items() for s in services])
def test_daemons_write_no_log_files_of_their_own(guest, service):
    changed = on(guest, f"docker diff {STACK}-{guest}-{service}").splitlines()
    assert not [line for line in changed if " /var/log/" in line and line[0] in "AC"], changed
