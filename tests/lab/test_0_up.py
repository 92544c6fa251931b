"""`pulumi up` on a lab stack, from whatever state the machine is in, converges."""

from __future__ import annotations

import time

from tests.infra.stack import STACK
from tests.lab.conftest import lab_containers, pulumi


def test_up_converges_and_a_second_preview_has_nothing_to_do():
    start = time.monotonic()
    pulumi("up", "--yes", "--skip-preview")
    print(f"pulumi up took {time.monotonic() - start:.1f}s")
    pulumi("preview", "--expect-no-changes")


def test_every_lab_container_is_named_by_stack_and_host():
    names = set(lab_containers())
    hosts = {"vps", "gw", "transit", "peer", "client", "home"}
    assert {f"{STACK}-{h}" for h in hosts} <= names
    assert {f"{STACK}-{s}" for s in ("vps-bird", "vps-nginx", "transit-bird", "peer-bird", "home-krill",
                                     "home-nginx")} <= names
