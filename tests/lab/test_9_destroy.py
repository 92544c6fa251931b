"""`pulumi destroy` leaves nothing behind: no container, volume, veth,
bridge or daemon of the lab."""

from __future__ import annotations

import subprocess

import pytest

from components import naming
from tests.infra.stack import STACK
from tests.lab.conftest import docker_lines, pulumi

# Destroys the lab on purpose: it runs last, in its own process.
pytestmark = pytest.mark.destructive


def test_destroy_leaves_nothing_behind(lab_is_up):
    pulumi("destroy", "--yes", "--skip-preview")
    label = f"label=personal-as.stack={STACK}"
    assert docker_lines("ps", "-aq", "--filter", label) == []
    assert docker_lines("volume", "ls", "-q", "--filter", label) == []
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True, check=True).stdout
    assert naming.mgmt_bridge(STACK) not in links
    assert " pm" not in links, "management veths left on the machine"
    procs = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True).stdout
    assert "bird -f -u bird" not in procs and "krill --config" not in procs
    assert subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.strip() == ""
