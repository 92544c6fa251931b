"""The bare-BIRD ladder the benchmark compares vps with: each rung one more of
vps's features, and the features those of vps's rendered config, so the
difference between two rungs is what that feature costs."""

from __future__ import annotations

import ipaddress
from dataclasses import astuple
from pathlib import Path

from bench.fulltable import VARIANTS, _receiver_config, synthetic_as_paths, synthetic_roas, synthetic_routes

GOLDEN_VPS = Path(__file__).resolve().parents[1] / "golden" / "lab-vps-import-full.bird.conf"


def test_each_rung_adds_one_feature_to_the_one_before():
    rungs = list(VARIANTS.values())
    assert not any(astuple(rungs[0])) and all(astuple(rungs[-1]))
    for before, after in zip(rungs, rungs[1:]):
        assert sum(b != a for b, a in zip(astuple(before), astuple(after))) == 1
        assert all(a for b, a in zip(astuple(before), astuple(after)) if b)


def test_each_roa_makes_one_route_valid_and_none_invalid():
    n = 20_000
    routes, paths = synthetic_routes(n), synthetic_as_paths(n)
    roas = synthetic_roas(n, 500)
    assert len(roas) == 500 and synthetic_roas(n, 0) == []
    # Each route has a /32 of its own: the ROA's /32 names the one route it covers.
    by_slot = {ipaddress.ip_network(r).supernet(new_prefix=32): i for i, r in enumerate(routes)}
    assert len(by_slot) == n
    for prefix, max_len, asn in roas:
        i = by_slot[ipaddress.ip_network(prefix)]
        assert paths[i][-1] == asn and ipaddress.ip_network(routes[i]).prefixlen <= max_len


def test_the_top_rung_receives_as_vps_does():
    golden = GOLDEN_VPS.read_text()
    top = _receiver_config(list(VARIANTS.values())[-1], synthetic_roas(100, 10))
    for feature in ("import table on;", "rpki reload on;", "gateway recursive;", "multihop 2;", "authentication md5;",
                    "local role customer;", "bfd { interval 300 ms; multiplier 3; };", "graceful restart on;",
                    "import limit 400000 action block;", "roa_check(rov6, net, bgp_path.last) = ROA_INVALID",
                    "if net.len > 48 || net.len < 8 then reject;", "if bgp_path.len > 64 then reject;",
                    "export where source != RTS_BGP || net = ::/0;"):
        assert feature in golden, f"vps no longer has {feature!r}: the ladder should follow"
        assert feature in top, feature


def test_the_bare_receiver_takes_everything_and_nothing_more():
    bare = _receiver_config(VARIANTS["bare"])
    assert "import all; export none;" in bare
    assert not any(word in bare for word in ("filter", "import table", "kernel", "multihop", "roa6"))
