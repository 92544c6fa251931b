"""A change that would cut the user off from their router rolls itself back."""

from __future__ import annotations

import json

import pytest

from tests.infra.bird import session_is_established, wait_until
from tests.lab.conftest import pulumi

# Breaks the running lab (or its state) on purpose; the tests put it back.
pytestmark = pytest.mark.destructive


def urn_of(name: str) -> str:
    state = json.loads(pulumi("stack", "export").stdout)
    return next(r["urn"] for r in state["deployment"]["resources"] if r["urn"].endswith(f"::{name}"))


def test_a_password_the_upstream_does_not_know_is_rolled_back(lab_is_up, restore_stack_file, vps):
    # Apply a new password to vps alone (transit keeps the old one): the session
    # cannot come back, so the safe apply undoes the change and fails loudly.
    pulumi("config", "set", "--secret", "--path", "upstreams[0].password", "only-vps-knows-this")
    res = pulumi("up", "--yes", "--skip-preview", "--target", urn_of("vps-router-config"), check=False)
    assert res.returncode != 0
    assert "rolling back" in res.stdout + res.stderr
    assert wait_until(lambda: session_is_established(vps, "transit"), 90)
    assert not vps.file("/etc/bird/bird.conf").contains("only-vps-knows-this")


def test_after_a_rollback_the_next_up_converges(lab_is_up, vps):
    pulumi("up", "--yes", "--skip-preview")
    pulumi("preview", "--expect-no-changes")
    assert session_is_established(vps, "transit")
