"""A change that would cut the user off from their router rolls itself back."""

from __future__ import annotations

import json
import re
import subprocess
import time
from datetime import datetime

import pytest

from tests.infra.bird import birdc, has_route, session_is_established, wait_until
from tests.infra.stack import STACK
from tests.lab.conftest import changed_resources, pulumi

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


TRIAL_COMMUNITY = "65536:2:2"  # in the config `up` fails to apply, never on the wire


def test_a_configure_that_fails_leaves_the_confirmed_file_for_birds_next_start(
        lab_is_up, restore_stack_file, vps, transit, cfg):
    """`birdc configure` fails after the new file is in place (a birdc on vps
    that refuses `configure`, by hand): `up` fails, bird.conf is the one BIRD
    confirmed, the change is still pending at the next preview, and BIRD's
    next start loads the confirmed file, not the one that failed."""
    prefix = str(cfg.v6_networks[0])
    before = vps.check_output("sha256sum /etc/bird/bird.conf")
    tool = vps.check_output("command -v birdc")
    vps.check_output(f"mv {tool} {tool}.real && printf '%s\\n' '#!/bin/sh' "
                     f"'case \" $* \" in *\" configure \"*) echo simulated failure >&2; exit 1 ;; esac' "
                     f"'exec {tool}.real \"$@\"' > {tool} && chmod 0755 {tool}")
    try:
        pulumi("config", "set", "--path", "communities[1]", TRIAL_COMMUNITY)
        res = pulumi("up", "--yes", "--skip-preview", "--target", urn_of("vps-router-config"), check=False)
        assert res.returncode != 0
        assert "birdc configure failed" in res.stdout + res.stderr, res.stdout[-2000:]
    finally:
        vps.check_output(f"mv {tool}.real {tool}")
    assert vps.check_output("sha256sum /etc/bird/bird.conf") == before
    assert not vps.file("/etc/bird/bird.conf.prev").exists
    assert "vps-router-config" in changed_resources(pulumi("preview", "--json").stdout)
    # BIRD starts again from its file: the confirmed one, without the trial
    # community, which transit never sees on the user's route.
    vps_bird = f"{STACK}-vps-bird"
    subprocess.run(["docker", "restart", vps_bird], check=True, capture_output=True)
    assert wait_until(lambda: session_is_established(vps, "transit"), 90)
    # What vps's BIRD, as it runs now, sends transit for the prefix.
    sent = birdc(vps, f"show route {prefix} export transit all")
    assert "(65536, 1, 1)" in sent and "(65536, 2, 2)" not in sent, sent
    assert wait_until(lambda: has_route(transit, prefix), 60)


BY_HAND = "/etc/bird/by-hand.conf"
# The check counts a reconfiguration this close to BIRD's start as the start
# (BIRD loading bird.conf itself); a hand load must come later to be seen.
START_WINDOW_S = 5


def bird_uptime_s(host) -> float:
    status = birdc(host, "show status")
    at = {k: datetime.fromisoformat(v.strip()) for k, v in
          re.findall(r"^(Current server time is|Last reboot on) (.+)$", status, re.M)}
    return (at["Current server time is"] - at["Last reboot on"]).total_seconds()


def test_a_config_loaded_by_hand_is_drift_and_up_loads_the_stacks_again(lab_is_up, vps):
    """bird.conf on disk stays the stack's, but BIRD is told by hand to run
    another file (one more static protocol): the next preview shows the
    router's config as changed, and `up` has BIRD run bird.conf again."""
    target = ["--target", urn_of("vps-router-config")]
    # The test before restarted BIRD: wait out the window a start owns.
    time.sleep(max(0.0, START_WINDOW_S + 1 - bird_uptime_s(vps)))
    vps.check_output(f"cp -p /etc/bird/bird.conf {BY_HAND} && printf '%s\\n' 'protocol static by_hand {{' "
                     f"'  ipv6; route 2001:db8:ffff:fe::/64 unreachable;' '}}' >> {BY_HAND}")
    try:
        assert "Reconfigured" in birdc(vps, f'configure "{BY_HAND}"')
        assert "by_hand" in birdc(vps, "show protocols")
        assert "vps-router-config" in changed_resources(pulumi("preview", "--json", *target).stdout)
        pulumi("up", "--yes", "--skip-preview", *target)
    finally:
        vps.check_output(f"rm -f {BY_HAND}")
    # BIRD itself runs the stack's file again: the protocol is gone.
    assert "by_hand" not in birdc(vps, "show protocols")
    assert wait_until(lambda: session_is_established(vps, "transit"), 90)
    pulumi("preview", "--expect-no-changes", *target)


def test_after_a_rollback_the_next_up_converges(lab_is_up, vps):
    pulumi("up", "--yes", "--skip-preview")
    pulumi("preview", "--expect-no-changes")
    assert session_is_established(vps, "transit")
