"""After the first `pulumi up` on fresh Debian machines (the prod guide's
run in `make test`, scripts/vmlab.sh's in `make vmlab`), a second run has
nothing to do, and everything is named by the rule."""

from __future__ import annotations

import re
import time

from tests.infra.stack import STACK
from tests.lab.conftest import changed_resources, lab_containers, pulumi


def test_a_second_up_reports_no_changes_and_preview_expects_none():
    start = time.monotonic()
    res = pulumi("up", "--yes", "--skip-preview")
    print(f"no-op pulumi up --stack {STACK} took {time.monotonic() - start:.1f}s")
    summary = res.stdout.split("Resources:", 1)[1]
    assert re.match(r"\s*\d+ unchanged\s*$", summary.split("Duration:")[0]), summary
    # One preview for both: it lists nothing to change, and says so by its
    # exit code (a preview on the guests costs half a minute).
    res = pulumi("preview", "--json", "--expect-no-changes", check=False)
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
