"""Preview's platform probe: what it reads from a host, and the refusal of a
host whose interfaces the stack could not keep across a reboot."""

from __future__ import annotations

import subprocess

import pytest

from components.render.platform_probe import Platform, parse_probe, probe_script, problems, untested


def test_the_probe_runs_in_a_plain_shell_and_says_all_five():
    out = subprocess.run(["sh", "-c", probe_script()], capture_output=True, text=True, check=True).stdout
    platform = parse_probe(out)
    assert platform.arch and platform.os and platform.netstack in ("networkd", "nm", "ifupdown", "none")
    assert platform.apt == "yes"  # this machine is Debian


def test_a_probe_that_says_too_little_is_an_error_not_a_guess():
    with pytest.raises(ValueError, match="netstack"):
        parse_probe("os=debian\nversion=13\narch=aarch64\n")


@pytest.mark.parametrize("netstack", ["networkd", "nm", "ifupdown"])
def test_each_network_stack_the_stack_writes_to_is_accepted(netstack):
    assert problems(Platform("debian", "13", "x86_64", netstack), "vps", "192.0.2.10", "amd64") == []


def test_a_host_with_none_is_refused_naming_the_host_and_the_three_ways():
    [line] = problems(Platform("debian", "12", "aarch64", "none"), "home", "198.51.100.7", "arm64")
    assert line.startswith("hosts.home: 198.51.100.7 has no network stack")
    for way in ("systemd-networkd", "NetworkManager", "ifupdown", "Nothing was changed"):
        assert way in line


def test_a_host_without_apt_is_refused_naming_what_is_tested():
    [line] = problems(Platform("fedora", "41", "x86_64", "nm", apt="no"), "vps", "192.0.2.10", "amd64")
    assert line.startswith("hosts.vps: 192.0.2.10 runs fedora 41, which has no apt-get")
    assert "Debian 12 and 13" in line and "Nothing was changed" in line


def test_a_32_bit_pi_is_refused_with_what_to_install_instead():
    [line] = problems(Platform("raspbian", "12", "armv7l", "nm"), "home", "198.51.100.7", "arm64")
    assert "armv7l" in line and "64-bit Raspberry Pi OS" in line


def test_an_arm64_host_configured_as_amd64_is_refused_with_the_key_to_set():
    [line] = problems(Platform("debian", "12", "aarch64", "nm"), "home", "198.51.100.7", "amd64")
    assert line.startswith("hosts.home: 198.51.100.7 is aarch64 (arm64), but hosts.home.arch is amd64")
    assert "Set hosts.home.arch: arm64" in line


@pytest.mark.parametrize("os_,version,warned", [
    ("debian", "12", False), ("debian", "13", False), ("ubuntu", "24.04", True), ("debian", "14", True),
])
def test_a_release_not_tested_here_goes_ahead_with_a_warning(os_, version, warned):
    platform = Platform(os_, version, "x86_64", "networkd")
    assert problems(platform, "vps", "192.0.2.10", "amd64") == []
    said = untested(platform, "vps", "192.0.2.10")
    assert (said is not None) == warned
    if warned:
        assert said.startswith(f"hosts.vps: 192.0.2.10 runs {os_} {version}: untested")


def test_a_platform_recorded_before_apt_was_probed_reads_as_having_it():
    assert Platform.of({"os": "debian", "version": "12", "arch": "x86_64", "netstack": "nm"}).apt == "yes"


def provider_check(olds, news, probed):
    """The provider's check, with the SSH probe replaced by a recorder."""
    from components.providers import platform_probe

    def fake_probe(props):
        probed.append(props["host_name"])
        return {"os": "debian", "version": "12", "arch": "x86_64", "netstack": "nm", "apt": "yes"}
    original, platform_probe.probe = platform_probe.probe, fake_probe
    try:
        return platform_probe._HostPlatformProvider().check(olds, news)
    finally:
        platform_probe.probe = original


NEWS = {"host_name": "home", "reach": {"host": "198.51.100.7", "port": 22, "user": "root", "key_file": "/k",
                                       "pinned": None}, "connection": {}, "arch": "amd64", "platform": None}


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


def test_a_recorded_platform_is_judged_again_against_a_changed_arch():
    probed = []
    first = provider_check({}, NEWS, probed)
    again = provider_check(first.inputs, {**NEWS, "arch": "arm64"}, probed)
    assert probed == ["home"]
    [failure] = again.failures
    assert "hosts.home.arch is arm64" in failure.reason
