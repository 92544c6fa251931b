"""Alerts that reach the operator, each delivered to the lab's receiver on
client within a stated bound, and its resolution too: the vps-gw link cut
fires BGPSessionDown for transit; the user's ROA removed fires
OwnPrefixNotValid.

During the cut home cannot reach vps either (its tunnel crosses gw, as a
home's path to a VPS crosses the VPS's uplink): the rule counts a BIRD that
cannot be scraped as a session that cannot be seen Established."""

from __future__ import annotations

import time

import pytest

from components.cache_dir import cache_dir
from tests.infra.bird import has_route, session_is_established, wait_until
from tests.infra.monitoring import active, notifications, receiver_now
from tests.lab.conftest import pulumi
from tests.lab.test_4_rov_flip import roa_delta
from tests.lab.test_7_faults import cut, restore

pytestmark = pytest.mark.destructive


CACHE = cache_dir()
# Each run's delivery times, kept beside the other test output (the log
# does not show a passing test's prints).
TIMES = CACHE / "test-output" / "alert-times.txt"


def record(line: str) -> None:
    print(line)
    TIMES.parent.mkdir(parents=True, exist_ok=True)
    with TIMES.open("a") as f:
        f.write(f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} {line}\n")


def test_a_cut_link_pages_the_operator_and_restoring_it_resolves(lab_is_up, vps, gw, home, peer, client, cfg):
    m = cfg.monitoring
    assert m is not None, "the lab stack has monitoring"
    up, prefix = cfg.upstreams[0].name, str(cfg.v6_networks[0])
    assert wait_until(lambda: session_is_established(vps, up) and has_route(peer, prefix) and active(home) == [],
                      180)
    # The scrape that misses, the rule's `for:`, one evaluation, and
    # Alertmanager's 1 s group wait, with margin for a loaded machine.
    bound = m.scrape_interval + m.session_down_for + 2 * m.scrape_interval + 20
    since = receiver_now(client)
    start = time.monotonic()
    cut(vps, "eth-gw")
    cut(gw, "eth-vps")
    try:
        assert wait_until(lambda: notifications(client, "BGPSessionDown", "firing", since, upstream=up), bound), \
            f"no BGPSessionDown for {up} delivered within {bound}s"
        fired = notifications(client, "BGPSessionDown", "firing", since, upstream=up)[0]["received_at"] - since
        record(f"link cut -> BGPSessionDown delivered after {fired:.1f}s (bound {bound}s)")
    finally:
        restore(vps)
        restore(gw)
    since = receiver_now(client)
    # The tunnel reconnects (retried every 2 s after ssh gives up, 15 s),
    # the session comes back (BIRD's error wait), then one scrape and one
    # group interval.
    bound = 120
    assert wait_until(lambda: notifications(client, "BGPSessionDown", "resolved", since, upstream=up), bound), \
        f"no resolution delivered within {bound}s"
    resolved = notifications(client, "BGPSessionDown", "resolved", since, upstream=up)[0]["received_at"] - since
    record(f"link restored -> resolution delivered after {resolved:.1f}s")
    assert time.monotonic() - start < 600


def test_a_removed_roa_pages_the_operator_and_putting_it_back_resolves(lab_is_up, home, client, cfg):
    """The ROA is removed in Krill itself (behind the stack's back); the
    relying party on home then finds the prefix NOT_FOUND, and the next
    `pulumi up` puts the ROA back."""
    prefix = str(cfg.v6_networks[0])
    assert wait_until(lambda: active(home) == [], 120), active(home)
    # Krill publishes at once; rpki-status runs every 10 s; one scrape, the
    # rule's `for:` (two scrapes), one evaluation and the group wait.
    bound = 10 + 5 * cfg.monitoring.scrape_interval + 45
    since = receiver_now(client)
    roa_delta(home, cfg.krill.handle, added=[], removed=[{"asn": cfg.asn, "prefix": prefix, "max_length": 48}])
    assert wait_until(lambda: notifications(client, "OwnPrefixNotValid", "firing", since, prefix=prefix), bound), \
        f"no OwnPrefixNotValid for {prefix} delivered within {bound}s"
    got = notifications(client, "OwnPrefixNotValid", "firing", since, prefix=prefix)[0]
    record(f"ROA removed -> OwnPrefixNotValid ({got['labels']['state']}) delivered after "
           f"{got['received_at'] - since:.1f}s (bound {bound}s)")
    since = receiver_now(client)
    pulumi("up", "--yes", "--skip-preview")
    assert wait_until(lambda: notifications(client, "OwnPrefixNotValid", "resolved", since, prefix=prefix),
                      bound), "no resolution delivered"
    pulumi("preview", "--expect-no-changes")
