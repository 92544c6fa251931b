"""Faults: daemons restarted under a running lab keep their state, and the
route stays RPKI-valid."""

from __future__ import annotations

import subprocess
import time

import pytest

from tests.infra.bird import birdc, has_route, roa_verdict, wait_until
from tests.infra.krill import HEALTH as KRILL_HEALTH, krill_api
from tests.infra.stack import STACK

PREFIX = "2001:db8:100::/48"


def restart(container: str) -> None:
    subprocess.run(["docker", "restart", container], check=True, capture_output=True)


def ca_state(home, handle: str) -> dict:
    return {
        "parents": krill_api(home, f"cas/{handle}/parents"),
        "repo": krill_api(home, f"cas/{handle}/repo"),
        "routes": krill_api(home, f"cas/{handle}/routes"),
        "resources": krill_api(home, f"cas/{handle}")["resources"],
    }


def rtr_line(transit) -> str:
    return birdc(transit, "show protocols validator").strip().splitlines()[-1]


def is_valid(transit, cfg) -> bool:
    return roa_verdict(transit, "r6", PREFIX, cfg.asn) == "valid"


@pytest.mark.destructive
def test_krill_on_home_restarted_keeps_its_ca_and_the_route_stays_valid(lab_is_up, home, transit, cfg):
    handle = cfg.krill.handle
    assert wait_until(lambda: has_route(transit, PREFIX), 120)
    before = ca_state(home, handle)
    restart(f"{STACK}-home-krill")
    start = time.monotonic()
    assert wait_until(lambda: home.run(KRILL_HEALTH).rc == 0, 60)
    print(f"Krill on home healthy again after {time.monotonic() - start:.1f}s")
    assert ca_state(home, handle) == before
    assert has_route(transit, PREFIX) and is_valid(transit, cfg)


@pytest.mark.destructive
def test_validator_restarted_resyncs_rtr_and_rov_is_unchanged(lab_is_up, transit, cfg):
    assert is_valid(transit, cfg)
    before = rtr_line(transit)
    restart(f"{STACK}-validator-validator")
    start = time.monotonic()
    # A new session, not the old one: BIRD saw the RTR session drop and
    # resynced with the new StayRTR (its "since" time moves on).
    assert wait_until(lambda: "Established" in rtr_line(transit) and rtr_line(transit) != before, 90)
    print(f"RTR Established again after {time.monotonic() - start:.1f}s")
    assert wait_until(lambda: is_valid(transit, cfg), 60)
    assert has_route(transit, PREFIX)
