"""The BGP session as the provider hands it out, played by the lab's gw and
transit from the stack's own upstream config: `lab` is a provider that
wants a given source address, `lab2` a Vultr-like one (private session ASN,
path_asn), `vmlab` a BuyVM-like one (IPv6 neighbour). Each is checked on
both ends of the session and in the path the rest of the world sees."""

from __future__ import annotations

import pytest

from tests.infra.bird import as_path, birdc, wait_until
from tests.infra.stack import config

pytestmark = pytest.mark.skipif(not config().faces_lab, reason="the provider's end is a lab host")


def test_both_ends_of_the_session_speak_what_the_config_says(vps, transit, cfg):
    up = cfg.upstreams[0]
    ours = birdc(vps, f"show protocols all {up.name}")
    assert "Established" in ours, ours
    assert f"Neighbor AS:      {up.asn}" in ours and f"Neighbor address: {up.neighbor}" in ours
    theirs = birdc(transit, f"show protocols all customer_as{cfg.asn}")
    assert "Established" in theirs, theirs
    # The provider's end speaks the session ASN, private or not.
    assert f"Local AS:         {up.asn}" in theirs, theirs
    if up.source:
        assert f"Source address:   {up.source}" in ours
        assert f"Neighbor address: {up.source}" in theirs


def test_the_world_sees_the_providers_public_asn_and_never_a_private_one(peer, cfg):
    up, prefix = cfg.upstreams[0], str(cfg.v6_networks[0])
    assert wait_until(lambda: as_path(peer, prefix) == f"{up.public_asn} {cfg.asn}", 60), as_path(peer, prefix)
    if up.path_asn is not None:
        assert str(up.asn) not in as_path(peer, prefix).split()
