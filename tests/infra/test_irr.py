"""The lab's routing registry (IRRd on host irr, with PostgreSQL and Redis)
holds the user's objects as the stack registered them; transit's filter job
builds its customer prefix list from them with bgpq4."""

from __future__ import annotations

import pytest

from components.render.irr import LAB_RIR_BLOCK, LAB_RIR_MNT
from tests.infra.bird import has_route, wait_until
from tests.infra.irr import job_status, transit_list, whois


@pytest.fixture(autouse=True)
def _needs_irr(cfg):
    if not cfg.irr:
        pytest.skip("this stack has no irr section: no registry")


def test_whois_answers_the_aut_num_with_its_policy_per_upstream(transit, cfg):
    text = whois(transit, f"AS{cfg.asn}")
    assert f"aut-num:        AS{cfg.asn}" in text and f"as-name:        {cfg.irr.as_name}" in text
    for up in cfg.upstreams:
        assert f"from AS{up.public_asn} accept" in text and f"to AS{up.public_asn} announce" in text
    assert f"mnt-by:         {cfg.irr.maintainer.name}" in text


def test_whois_answers_each_prefix_with_its_route_object_and_the_origin(transit, cfg):
    for net in cfg.networks:
        text = whois(transit, f"-T route6 {net}" if net.version == 6 else f"-T route {net}")
        assert f"origin:         AS{cfg.asn}" in text, text


def test_the_maintainers_password_hash_is_never_shown(transit, cfg):
    text = whois(transit, cfg.irr.maintainer.name)
    assert "# Filtered for security" in text and "$2b$" not in text


def test_the_prefix_sits_in_the_rirs_assignment_under_the_users_maintainer(transit, cfg):
    net = cfg.networks[0]
    text = whois(transit, f"-T inet6num {net}")
    assert "status:         ASSIGNED PI" in text and f"mnt-by:         {cfg.irr.maintainer.name}" in text
    assert f"mnt-by:         {LAB_RIR_MNT}" in whois(transit, f"-T inet6num {LAB_RIR_BLOCK}")


def test_registry_daemons_run_in_their_own_containers_with_databases_on_loopback_only(irr):
    for port in (5432, 6379):
        listening = irr.socket(f"tcp://127.0.0.1:{port}")
        assert listening.is_listening
        assert not irr.socket(f"tcp://0.0.0.0:{port}").is_listening and not irr.socket(f"tcp://:::{port}").is_listening
    assert irr.socket("tcp://:::43").is_listening  # whois, for every lab host


def test_transits_customer_list_comes_from_bgpq4_and_the_route_is_accepted(transit, cfg):
    # Right after IRRd is started anew (a lost state replaces it), bgpq4's
    # queries wait until IRRd's workers have its preload store: the image asks
    # for a second build once whois answers (its entrypoint says why; without
    # it CI saw four minutes of 30 s timeouts). The job keeps the last list
    # meanwhile; it must come to "ok" after.
    assert wait_until(lambda: job_status(transit).startswith("ok "), 240), job_status(transit)
    listed = transit_list(transit, cfg.asn)
    assert "From LAB by bgpq4" in listed
    for net in cfg.v6_networks:
        assert str(net) in listed
        assert wait_until(lambda: has_route(transit, str(net)), 60)
