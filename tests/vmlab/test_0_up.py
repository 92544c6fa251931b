"""After the first `pulumi up` on fresh Debian machines (the prod guide's
run in `make test`, scripts/vmlab.sh's in `make vmlab`), there is nothing
left to do, and everything is named by the rule."""

from __future__ import annotations

import time

from tests.infra.stack import STACK
from tests.lab.conftest import changed_resources, lab_containers, pulumi


def test_after_the_first_up_preview_expects_no_changes():
    """The engine's diff of every resource against the guests themselves:
    what a second `up` would do, without paying for one (the drift test's
    own `up` and preview show an `up` converging)."""
    start = time.monotonic()
    res = pulumi("preview", "--json", "--expect-no-changes", check=False)
    print(f"preview --stack {STACK} took {time.monotonic() - start:.1f}s")
    assert changed_resources(res.stdout) == set()
    assert res.returncode == 0, res.stderr[-3000:]


def test_lab_world_containers_are_named_by_stack_and_host():
    names = set(lab_containers())
    assert {f"{STACK}-{h}" for h in ("gw", "transit", "peer", "client", "rir", "validator")} | {
        f"{STACK}-transit-bird", f"{STACK}-peer-bird"} <= names
    # vps and home are real machines here: no container stands in for them.
    assert not {f"{STACK}-vps", f"{STACK}-home"} & names


def test_services_on_the_guests_keep_the_naming_rule(vps, home):
    assert {f"{STACK}-vps-bird", f"{STACK}-vps-nginx"} <= set(
        vps.check_output("docker ps --format '{{.Names}}'").split())
    assert {f"{STACK}-home-krill", f"{STACK}-home-nginx"} <= set(
        home.check_output("docker ps --format '{{.Names}}'").split())
