"""State and reality disagree, and `pulumi up` converges anyway."""

from __future__ import annotations

import subprocess

import pytest

from tests.infra import route0
from tests.infra.bird import session_is_established, wait_until
from tests.infra.stack import STACK
from tests.lab.conftest import ROOT, changed_resources, docker_lines, infra_passes, lab_containers, pulumi

# Breaks the running lab (or its state) on purpose; the tests put it back.
pytestmark = pytest.mark.destructive


def test_containers_removed_behind_pulumis_back_are_recreated(lab_is_up, vps):
    ids = docker_lines("ps", "-aq", "--filter", f"label=personal-as.stack={STACK}")
    subprocess.run(["docker", "rm", "-f", *ids], check=True, capture_output=True)
    pulumi("up", "--yes", "--skip-preview")
    assert wait_until(lambda: session_is_established(vps, "transit"), 90)
    infra_passes()


def test_a_service_stopped_by_hand_is_a_diff_and_up_starts_it_again(lab_is_up, client, cfg):
    # `unless-stopped` would keep it down, even across a reboot.
    subprocess.run(["docker", "stop", f"{STACK}-vps-nginx"], check=True, capture_output=True)
    assert "route0-nginx-container" in changed_resources(pulumi("preview", "--json").stdout)
    pulumi("up", "--yes", "--skip-preview")
    assert wait_until(lambda: route0.answers(client, cfg), 60)
    pulumi("preview", "--expect-no-changes")


def test_leftovers_of_a_lost_state_are_found_by_label_and_replaced(lab_is_up):
    before = lab_containers()
    # Lose the state entirely, keep every container and volume running.
    subprocess.run(["pulumi", "stack", "rm", "--force", "--yes", "--preserve-config", "--stack", STACK],
                   cwd=ROOT, check=True, capture_output=True)
    subprocess.run(["pulumi", "stack", "init", STACK, "--non-interactive"], cwd=ROOT, check=True, capture_output=True)
    pulumi("up", "--yes", "--skip-preview")
    after = lab_containers()
    assert set(after) == set(before), "same names, no clash, nothing extra"
    assert all(after[n][0] != before[n][0] for n in after), "leftovers are replaced, not silently shared"
    pulumi("preview", "--expect-no-changes")
    # A new state means a new SSH key: verify in a fresh process that reads it.
    infra_passes()
