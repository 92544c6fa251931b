"""Hardening that holds on every host: BIRD's control socket stays local,
sshd takes keys only, and vps listens on nothing it does not serve."""

from __future__ import annotations

import ipaddress
import re

import paramiko
import pytest

from tests.infra import stack

ROUTERS = [h for h in ("vps", "transit", "peer") if h in stack.host_names()]
ALL_HOSTS = stack.host_names()


@pytest.mark.parametrize("name", ROUTERS)
def test_bird_control_socket_is_local_and_only_for_root_and_bird(request, name):
    host = request.getfixturevalue(name)
    sock = host.file("/run/bird/bird.ctl")
    # A Unix socket: no address to reach it by from another host.
    assert sock.is_socket
    assert (sock.user, sock.group, sock.mode) == ("bird", "bird", 0o660)
    # Group access gives no one else a way in: the bird group has no members.
    assert host.group("bird").exists and host.check_output("getent group bird").rstrip().endswith(":")
    # And BIRD has no remote control port: all it listens on is BGP.
    bird_ports = {
        int(m.group(1)) for line in host.check_output("ss -Htlnp").splitlines()
        if '"bird"' in line and (m := re.search(r":(\d+)\s", line))
    }
    assert bird_ports <= {179}


def test_vps_listens_beyond_loopback_only_on_ssh_http_and_bgp(vps, cfg):
    """What the internet can knock on. Loopback listeners (containerd's
    stream server on a real host) are not reachable from outside."""
    ports = set()
    for line in vps.check_output("ss -Htln").splitlines():
        local = line.split()[3]
        address, _, port = local.rpartition(":")
        if ipaddress.ip_address(address.strip("[]").split("%")[0].replace("*", "0.0.0.0")).is_loopback:
            continue
        ports.add(int(port))
    https = {443} if cfg.acme else set()
    assert ports == {stack.ssh_address("vps")[1], 80, 179, *https}


@pytest.mark.parametrize("name", ALL_HOSTS)
def test_sshd_accepts_keys_only(request, name):
    host = request.getfixturevalue(name)
    effective = host.check_output("sshd -T")
    for setting in ("passwordauthentication no", "kbdinteractiveauthentication no"):
        assert setting in effective, setting
    # root logs in by key only, or not at all (a home box's admin uses sudo).
    assert re.search(r"^permitrootlogin (without-password|prohibit-password|no)$", effective, re.M)
    # Ask the daemon itself which methods it offers a client.
    address, port = stack.ssh_address(name)
    transport = paramiko.Transport((address, port))
    try:
        transport.start_client(timeout=10)
        with pytest.raises(paramiko.BadAuthenticationType) as offered:
            transport.auth_none("root")
        assert offered.value.allowed_types == ["publickey"]
    finally:
        transport.close()
