"""The status page on home: behind the Krill proxy's TLS and basic auth
with the stack's generated password, it shows each session Established,
each own prefix VALID with its ROA, no alert firing, and the topology
picture the stack's own plan draws."""

from __future__ import annotations

import pytest

from tests.infra.bird import wait_until
from tests.infra.stack import outputs
from tests.infra.status_page import fetch, login, row, shows_healthy


@pytest.fixture(autouse=True)
def _needs_monitoring(cfg):
    if cfg.monitoring is None:
        pytest.skip("this stack has no monitoring section")


def test_the_page_asks_for_the_password_and_refuses_a_wrong_one(home, cfg):
    user, password = login()
    assert fetch(home, cfg)[0] == 401
    assert fetch(home, cfg, user=user, password=password + "x")[0] == 401
    assert fetch(home, cfg, "topology.svg")[0] == 401
    assert fetch(home, cfg, "api/v1/query?query=up")[0] == 401


def test_the_page_shows_every_session_established_and_every_prefix_valid(home, cfg):
    user, password = login()

    def page() -> str:
        code, _, body = fetch(home, cfg, user=user, password=password)
        return body if code == 200 else ""

    # A hang guard: home's relying party runs every 180 s on an emulated home.
    if not wait_until(lambda: shows_healthy(page(), cfg), 300):
        # The rows that decide, first: a caller may keep only the end of
        # this message, and the page ends with the topology picture.
        body = page()
        rows = [row(body, f"session-{u.name}") for u in cfg.upstreams] + [row(body, f"prefix-{p}")
                                                                         for p in cfg.prefixes]
        raise AssertionError(f"the page does not show every session Established and every prefix VALID "
                             f"within 300 s: {rows}")
    body = page()
    for p in cfg.prefixes:
        assert f"<li>{p} max " in row(body, f"prefix-{p}"), f"no ROA listed for {p}"
    assert '<tr><td colspan="3" class="ok">none</td></tr>' in body, "an alert is firing"
    # Where onboarding stands, as the stack output says it.
    stage = outputs()["onboarding"]["stage"]
    assert f'<p id="onboarding" class="ok">Onboarding: {stage}.' in body, body[:2000]


def test_the_topology_picture_is_the_one_drawn_from_the_stacks_plan(home, cfg):
    from components.lab_plan import plan
    from components.render.topology import topology_dot
    from components.render.topology_svg import embedded_source

    user, password = login()
    code, ctype, svg = fetch(home, cfg, "topology.svg", user=user, password=password)
    assert (code, ctype) == (200, "image/svg+xml")
    assert embedded_source(svg) == topology_dot(cfg, plan(cfg) if cfg.faces_lab else None)
