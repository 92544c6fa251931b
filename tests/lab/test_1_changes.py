"""Changes to a running lab: a second up is a no-op, and a new prefix or
password is applied by reload, not by rebuilding containers."""

from __future__ import annotations

from tests.infra.bird import exported_prefixes, imported_prefixes, has_route, session_is_established, wait_until
from tests.infra.stack import config
from tests.lab.conftest import changed_resources, infra_passes, lab_containers, pulumi

NEW_PREFIX = "2001:db8:101::/48"


def registry(*names: str) -> set[str]:
    """The registry objects a change also touches, where the stack has them."""
    return set(names) if config().irr else set()


def monitoring(*names: str) -> set[str]:
    """What monitoring also touches, where the stack has it."""
    return set(names) if config().monitoring else set()


def backups(*names: str) -> set[str]:
    """What the CA's backups also touch, where the stack has them."""
    return set(names) if config().backup else set()


def test_second_up_reports_no_changes(lab_is_up):
    pulumi("preview", "--expect-no-changes")


def test_new_prefix_and_password_are_applied_by_reload(lab_is_up, restore_stack_file, vps, transit, peer):
    before = lab_containers()
    pulumi("config", "set", "--path", "prefixes[1]", NEW_PREFIX)
    # Transit validates origins: the new block needs its ROA to be accepted.
    pulumi("config", "set", "--path", "roas[1].prefix", NEW_PREFIX)
    pulumi("config", "set", "--path", "roas[1].max_length", "48")
    pulumi("config", "set", "--secret", "--path", "upstreams[0].password", "rotated-md5-secret")

    preview = pulumi("preview", "--diff", "--json")
    assert changed_resources(preview.stdout) == {
        "vps-router-config",       # bird.conf: new prefix, new password
        "transit-router-config",   # the provider's side: password and prefix list
        "gw-network-provision",    # the provider routes the new block to vps
        "route0-page",             # the page names the prefixes it serves from
        "user-ca-add-child",       # the LIR certifies the new block to the user's CA,
        "user-ca-set-parent",      # whose answer is unknown until the LIR gives it
        "user-ca-roas",            # and the user's CA signs a ROA for it,
    } | backups(
        "home-backup-after-roas",  # which is backed up at once
    ) | registry(
        "irr-registry-assignment",  # the RIR assigns the block to the user's maintainer,
        "irr-routing-objects",      # who registers its route6: transit's filter takes it from there
    ) | monitoring(
        "home-prometheus-rules",      # OwnPrefixNotExported counts the prefixes per family,
        "home-rpki-status-prefixes",  # rpki-status judges the new one too,
        "home-status-console",        # the status page has a row for it,
        "status-page-topology",       # and the picture's title names it
    )
    assert "rotated-md5-secret" not in preview.stdout + preview.stderr

    pulumi("up", "--yes", "--skip-preview")

    assert lab_containers() == before, "a config change must reload daemons, not rebuild containers"
    assert wait_until(lambda: session_is_established(vps, "transit"), 90)
    assert sorted(exported_prefixes(vps, "transit")) == sorted(["2001:db8:100::/48", NEW_PREFIX])
    assert wait_until(lambda: has_route(peer, NEW_PREFIX), 60)
    assert vps.file("/etc/bird/bird.conf").contains("rotated-md5-secret")
    assert transit.file("/etc/bird/bird.conf").contains("rotated-md5-secret")

    infra_passes()


def test_restoring_the_committed_config_converges(lab_is_up, vps, peer):
    pulumi("up", "--yes", "--skip-preview")
    assert wait_until(lambda: session_is_established(vps, "transit"), 90)
    assert exported_prefixes(vps, "transit") == ["2001:db8:100::/48"]
    assert wait_until(lambda: not has_route(peer, NEW_PREFIX), 60)
    pulumi("preview", "--expect-no-changes")


def test_import_default_takes_a_default_route_bird_can_resolve(lab_is_up, restore_stack_file, vps):
    """import: default accepts only ::/0 from transit, and its next hop (transit's
    own address, two hops away) resolves through gw inside BIRD itself."""
    pulumi("config", "set", "--path", "upstreams[0].import", "default")
    preview = pulumi("preview", "--diff", "--json")
    # The aut-num's mp-import follows what the upstream's import takes.
    assert changed_resources(preview.stdout) == {"vps-router-config"} | registry("irr-routing-objects")
    pulumi("up", "--yes", "--skip-preview")
    assert wait_until(lambda: session_is_established(vps, "transit"), 90)

    def default_from_bgp() -> str:
        return vps.run("birdc -s /run/bird/bird.ctl show route ::/0 protocol transit all").stdout

    assert wait_until(lambda: "BGP.next_hop" in default_from_bgp(), 60)
    route = default_from_bgp()
    assert "unreachable" not in route and "via " in route, route
    assert imported_prefixes(vps, "transit") == ["::/0"], "import default takes nothing but ::/0"
    assert "proto bird" in vps.check_output("ip -6 route show default")


def test_back_to_import_none_converges(lab_is_up, vps):
    pulumi("up", "--yes", "--skip-preview")
    pulumi("preview", "--expect-no-changes")
    assert wait_until(lambda: session_is_established(vps, "transit"), 90)
    assert imported_prefixes(vps, "transit") == []
