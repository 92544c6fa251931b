"""Preview's platform probe: what it reads from a host, and the refusal of a
host whose interfaces the stack could not keep across a reboot."""

from __future__ import annotations

import subprocess

import pytest

from components.render.platform_probe import Platform, parse_probe, probe_script, problems


def test_the_probe_runs_in_a_plain_shell_and_says_all_four():
    out = subprocess.run(["sh", "-c", probe_script()], capture_output=True, text=True, check=True).stdout
    platform = parse_probe(out)
    assert platform.arch and platform.os and platform.netstack in ("networkd", "nm", "ifupdown", "none")


def test_a_probe_that_says_too_little_is_an_error_not_a_guess():
    with pytest.raises(ValueError, match="netstack"):
        parse_probe("os=debian\nversion=13\narch=aarch64\n")


@pytest.mark.parametrize("netstack", ["networkd", "nm", "ifupdown"])
def test_each_network_stack_the_stack_writes_to_is_accepted(netstack):
    assert problems(Platform("debian", "13", "x86_64", netstack), "vps", "192.0.2.10") == []


def test_a_host_with_none_is_refused_naming_the_host_and_the_three_ways():
    [line] = problems(Platform("debian", "12", "aarch64", "none"), "home", "198.51.100.7")
    assert line.startswith("hosts.home: 198.51.100.7 has no network stack")
    for way in ("systemd-networkd", "NetworkManager", "ifupdown", "Nothing was changed"):
        assert way in line


def provider_check(olds, news, probed):
    """The provider's check, with the SSH probe replaced by a recorder."""
    from components.providers import platform_probe

    def fake_probe(props):
        probed.append(props["host_name"])
        return {"os": "debian", "version": "12", "arch": "x86_64", "netstack": "nm"}, []
    original, platform_probe.probe = platform_probe.probe, fake_probe
    try:
        return platform_probe._HostPlatformProvider().check(olds, news)
    finally:
        platform_probe.probe = original


NEWS = {"host_name": "home", "reach": {"host": "198.51.100.7", "port": 22, "user": "root", "key_file": "/k",
                                       "pinned": None}, "connection": {}, "platform": None}


def test_a_host_is_probed_until_the_state_has_its_platform_then_not_again():
    probed = []
    first = provider_check({}, NEWS, probed)
    assert probed == ["home"] and first.inputs["platform"]["netstack"] == "nm"
    again = provider_check(first.inputs, NEWS, probed)
    assert probed == ["home"] and again.inputs["platform"] == first.inputs["platform"]


def test_a_host_at_a_new_address_is_probed_again():
    probed = []
    first = provider_check({}, NEWS, probed)
    moved = {**NEWS, "reach": {**NEWS["reach"], "host": "198.51.100.8"}}
    provider_check(first.inputs, moved, probed)
    assert probed == ["home", "home"]
