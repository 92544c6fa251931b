"""The guests are the platforms the README's table names: vps a Debian 13
cloud image that cloud-init set up from a provider's metadata (NoCloud),
home a Debian 12 box whose network NetworkManager runs. On each, the
stack's own network files are the ones the network stack applies."""

from __future__ import annotations

import json
import re


def os_release(host) -> dict[str, str]:
    return dict(re.findall(r'^(\w+)="?([^"\n]*)"?$', host.file("/etc/os-release").content_string, re.M))


def networkd_file_of(host, interface: str) -> str:
    """The .network file systemd-networkd applies to an interface."""
    out = host.check_output(f"networkctl status --no-pager {interface}")
    m = re.search(r"Network File: (\S+)", out)
    assert m, out
    return m.group(1)


def test_vps_is_debian_13_set_up_by_cloud_init_from_its_nocloud_seed(vps):
    assert os_release(vps)["VERSION_ID"] == "13"
    status = json.loads(vps.check_output("cloud-init status --format json"))
    # "done", not "degraded done": every module ran, and the provider's
    # metadata passed cloud-init's schema.
    assert status["status"] == "done" and status["extended_status"] == "done", status
    assert not status["errors"] and not status["recoverable_errors"], status
    assert "nocloud" in status.get("datasource", "").lower(), status
    assert vps.check_output("hostname") == "vps"
    # Debian's cloud image network stack: no ifupdown, no DHCP client.
    for pkg in ("ifupdown", "isc-dhcp-client", "network-manager"):
        assert vps.run(f"dpkg-query -W -f='${{Status}}' {pkg}").stdout != "install ok installed", pkg
    assert vps.check_output("systemctl is-active systemd-networkd systemd-resolved").split() == ["active"] * 2


def test_the_providers_nic_is_netplans_and_the_stacks_interfaces_are_the_stacks(vps, plan):
    # cloud-init wrote the metadata's network as netplan, which renders for networkd.
    assert networkd_file_of(vps, "mgmt0") == "/run/systemd/network/10-netplan-mgmt0.network"
    # The lab NIC (the one with vps's link address) and the prefix's dummy0
    # are applied from the stack's files, not shadowed by netplan's
    # (networkd takes the first file that matches).
    lab_if = vps.check_output(f"ip -o -6 addr show to {plan.vps_link6.split('/')[0]}").split()[1]
    for interface in (lab_if, "dummy0"):
        assert networkd_file_of(vps, interface) == f"/etc/systemd/network/60-personal-as-{interface}.network"
    assert vps.file("/etc/netplan/50-cloud-init.yaml").exists
    assert "personal-as" not in vps.file("/etc/netplan/50-cloud-init.yaml").content_string


def test_home_is_debian_12_with_networkmanager_running_its_network(home):
    assert os_release(home)["VERSION_ID"] == "12"
    assert home.check_output("systemctl is-active NetworkManager") == "active"
    assert home.check_output("systemctl is-active systemd-networkd || true") != "active"
    connections = home.check_output("nmcli -t -f NAME connection show --active").splitlines()
    assert "mgmt0" in connections
    assert any(c.startswith("personal-as-") for c in connections), connections
