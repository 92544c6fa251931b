"""A route leak attempt: a foreign prefix and a more-specific of the user's
own get into vps's BIRD; neither is announced to transit."""

from __future__ import annotations

import pytest

from tests.infra.bird import birdc, exported_prefixes, has_route, wait_until

FOREIGN = "2001:db8:dead::/48"
MORE_SPECIFIC = "2001:db8:100:1::/64"
LEAK_CONF = "/etc/bird/leak-test.conf"


@pytest.fixture
def leaking_vps(vps):
    """vps running its own bird.conf plus a static protocol that would leak."""
    vps.check_output(
        f"cp -p /etc/bird/bird.conf {LEAK_CONF} && "
        f"printf 'protocol static leak {{\\n  ipv6;\\n  route {FOREIGN} unreachable;\\n"
        f"  route {MORE_SPECIFIC} unreachable;\\n}}\\n' >> {LEAK_CONF}"
    )
    birdc(vps, f'configure "{LEAK_CONF}"')
    yield vps
    birdc(vps, 'configure "/etc/bird/bird.conf"')
    # Back on the stack's file, as the stack confirms it: BIRD's own time of
    # this reconfiguration recorded, or the next preview rightly calls what
    # BIRD runs drift (bird-running.sh.j2).
    vps.check_output("birdc -s /run/bird/bird.ctl show status | sed -n 's/^Last reconfiguration on //p' "
                     "> /run/bird/confirmed")
    vps.check_output(f"rm -f {LEAK_CONF}")


@pytest.mark.destructive
def test_leaked_routes_are_in_vps_table_but_never_exported(leaking_vps, transit, cfg):
    vps = leaking_vps
    assert wait_until(lambda: has_route(vps, FOREIGN) and has_route(vps, MORE_SPECIFIC), 10)
    for upstream in cfg.upstreams:
        exported = exported_prefixes(vps, upstream.name)
        assert FOREIGN not in exported and MORE_SPECIFIC not in exported
        assert sorted(exported) == sorted(cfg.prefixes)
    # And transit never hears of them (give a leak time to propagate).
    assert not wait_until(lambda: has_route(transit, FOREIGN) or has_route(transit, MORE_SPECIFIC), 10)
