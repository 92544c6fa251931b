"""The negative scenario: a ROA with the wrong origin (signed in Krill by
hand: the stack itself refuses a ROA that disagrees with its route objects)
makes the route RPKI-invalid, transit drops it and the client loses route0;
the next `up` puts the ROA back and everything recovers. Each direction is
bounded by the lab's timers."""

from __future__ import annotations

import json

import pytest

from tests.infra import route0
from tests.infra.bird import has_route, timed, wait_until
from tests.infra.stack import config
from tests.infra.krill import PORT, TOKEN, krill_api, vrps
from tests.lab.conftest import changed_resources, pulumi

# Breaks the running lab (or its state) on purpose; the tests put it back.
pytestmark = pytest.mark.destructive

BOUND_S = 60  # validator refresh 5 s + StayRTR refresh 5 s + BIRD RTR refresh 10 s, with margin
WRONG_ORIGIN = 64511
PREFIX = "2001:db8:100::/48"


def fetch_ok(client) -> bool:
    return route0.answers(client, config())



def roa_delta(home, handle: str, added: list[dict], removed: list[dict]) -> None:
    """A change to the user's ROAs made in Krill itself, behind the stack's back."""
    delta = json.dumps({"added": added, "removed": removed})
    home.check_output(
        f"printf 'Authorization: Bearer %s\\n' \"$({TOKEN})\" | curl -fsSk -m 10 -H @- "
        f"-H 'Content-Type: application/json' -d '{delta}' \"https://127.0.0.1:$({PORT})/api/v1/cas/{handle}/routes\""
    )


def test_wrong_origin_makes_the_route_invalid_everywhere(lab_is_up, home, transit, peer, client, cfg):
    """The stack refuses a ROA whose origin disagrees with its route objects,
    so the wrong origin is signed in Krill directly, as a mistaken hand might."""
    assert wait_until(lambda: has_route(transit, PREFIX) and fetch_ok(client), 120)
    roa = {"prefix": PREFIX, "max_length": 48}
    roa_delta(home, cfg.krill.handle, added=[{**roa, "asn": WRONG_ORIGIN}], removed=[{**roa, "asn": cfg.asn}])
    took = timed(lambda: not has_route(transit, PREFIX), BOUND_S)
    print(f"valid -> invalid at transit: {took:.1f}s")
    assert wait_until(lambda: not has_route(peer, PREFIX), 30)
    assert not fetch_ok(client)


def test_the_next_up_puts_the_origin_back_and_everything_recovers(lab_is_up, transit, peer, client):
    assert changed_resources(pulumi("preview", "--json").stdout) == {"user-ca-roas"}
    pulumi("up", "--yes", "--skip-preview")
    took = timed(lambda: has_route(transit, PREFIX), BOUND_S)
    print(f"invalid -> valid at transit: {took:.1f}s")
    assert wait_until(lambda: has_route(peer, PREFIX), 30)
    assert wait_until(lambda: fetch_ok(client), 30)
    pulumi("preview", "--expect-no-changes")


def test_a_roa_deleted_in_krill_is_put_back_by_the_next_up(lab_is_up, home, validator, transit, cfg):
    handle = cfg.krill.handle
    roa_delta(home, handle, added=[], removed=[{"asn": cfg.asn, "prefix": PREFIX, "max_length": 48}])
    assert krill_api(home, f"cas/{handle}/routes") == []
    took = timed(lambda: not any(v["prefix"] == PREFIX for v in vrps(validator)), BOUND_S)
    print(f"ROA deleted in Krill -> VRP gone at the validator: {took:.1f}s")
    assert wait_until(lambda: not has_route(transit, PREFIX), BOUND_S)

    pulumi("up", "--yes", "--skip-preview")
    assert len(krill_api(home, f"cas/{handle}/routes")) == 1
    took = timed(lambda: has_route(transit, PREFIX), BOUND_S)
    print(f"ROA restored by pulumi up -> valid at transit: {took:.1f}s")
    pulumi("preview", "--expect-no-changes")
