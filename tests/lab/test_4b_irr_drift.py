"""The IRR negative scenario: the route6 object is deleted behind the
stack's back, through IRRd's own API as another maintainer might; within
the bound transit's filter drops the prefix, so peer and the client lose it.
The next `up` sees the drift and puts the object back, and within the bound
the prefix is accepted again."""

from __future__ import annotations

import json
import urllib.parse

import pytest

from components.render.irr_filter import LAB_REFRESH_SECONDS
from components.lab_plan import IRR_NAME
from components.render.irrd import HTTP_PORT
from tests.infra import route0
from tests.infra.bird import has_route, timed, wait_until
from tests.infra.irr import transit_list, whois
from tests.lab.conftest import changed_resources, pulumi

pytestmark = pytest.mark.destructive

# The filter job's refresh, IRRd's preload of the change, one bgpq4 run and
# a reconfigure (each of the last three well under a second), with margin.
BOUND_S = LAB_REFRESH_SECONDS + 45
API = f"http://{IRR_NAME}:{HTTP_PORT}"


@pytest.fixture(autouse=True)
def _needs_irr(cfg):
    if not cfg.irr:
        pytest.skip("this stack has no irr section")


def route6_key(cfg) -> str:
    return f"{cfg.networks[0]}AS{cfg.asn}".upper()



def delete_behind_the_stacks_back(irr, cfg) -> dict:
    q = urllib.parse.quote(f"!mroute6,{route6_key(cfg)}", safe="")
    text = irr.check_output(f"curl -fsS '{API}/v1/whois/?q={q}'")
    assert text.startswith("route6:"), text
    body = json.dumps({"objects": [{"object_text": text + "\n"}],
                       "passwords": [cfg.irr.maintainer.password.get_secret_value()],
                       "delete_reason": "withdrawn by another maintainer"})
    out = irr.check_output(f"curl -fsS -X DELETE -H 'Content-Type: application/json' --data-binary @- "
                           f"'{API}/v1/submit/' <<'EOF'\n{body}\nEOF")
    return json.loads(out)


def test_a_route6_deleted_in_the_registry_is_dropped_by_transit(lab_is_up, irr, transit, peer, client, cfg):
    prefix = str(cfg.networks[0])
    assert wait_until(lambda: has_route(peer, prefix) and route0.answers(client, cfg), 120)
    answer = delete_behind_the_stacks_back(irr, cfg)
    assert answer["summary"]["successful_delete"] == 1, answer
    assert "origin:" not in whois(transit, f"-T route6 {prefix}")
    took = timed(lambda: not has_route(transit, prefix), BOUND_S)
    print(f"route6 deleted -> dropped at transit: {took:.1f}s")
    assert f"define IRR_AS{cfg.asn}_V6 = [];" in transit_list(transit, cfg.asn)
    assert wait_until(lambda: not has_route(peer, prefix), 30)
    assert not route0.answers(client, cfg)


def test_the_next_up_sees_the_drift_and_puts_the_object_back(lab_is_up, transit, peer, client, cfg):
    prefix = str(cfg.networks[0])
    assert changed_resources(pulumi("preview", "--json").stdout) == {"irr-routing-objects"}
    pulumi("up", "--yes", "--skip-preview")
    assert f"origin:         AS{cfg.asn}" in whois(transit, f"-T route6 {prefix}")
    took = timed(lambda: has_route(transit, prefix), BOUND_S)
    print(f"route6 added back -> accepted at transit: {took:.1f}s")
    assert wait_until(lambda: has_route(peer, prefix), 30)
    assert wait_until(lambda: route0.answers(client, cfg), 30)
    pulumi("preview", "--expect-no-changes")
