"""`pulumi destroy --stack vmlab` removes the stack's containers from the
real machines and the lab world from this one; the guests themselves, and
home's own services, stay."""

from __future__ import annotations

import pytest

from tests.lab.conftest import docker_lines, pulumi
from tests.vmlab.conftest import guest_shell

pytestmark = pytest.mark.destructive


def test_destroy_removes_the_stacks_containers_from_the_guests(lab_is_up):
    pulumi("destroy", "--yes", "--skip-preview")
    assert docker_lines("ps", "-aq", "--filter", "label=personal-as.stack=vmlab") == []
    for guest in ("vps", "home"):
        left = guest_shell(guest, "docker ps -aq --filter label=personal-as.stack=vmlab").stdout.split()
        assert left == [], f"{guest} still has {left}"
    assert "home's own page" in guest_shell("home", "curl -fsS -m 5 http://127.0.0.1/").stdout
