"""Metrics and alerts as the operator gets them: Prometheus on home scrapes
vps's BIRD and both hosts through the stack's tunnel, sees the session
Established, and fires nothing on a healthy stack; vps's exporters answer on
vps's loopback only, and the tunnel's key can do nothing but reach them."""

from __future__ import annotations

import pytest

from components.lab_plan import plan
from components.monitoring import TUNNEL_KEY, TUNNEL_KNOWN_HOSTS, TUNNEL_USER
from tests.infra.bird import wait_until
from tests.infra.monitoring import firing, prefixes_valid, query, targets


@pytest.fixture(autouse=True)
def _needs_monitoring(cfg):
    if cfg.monitoring is None:
        pytest.skip("this stack has no monitoring section")


def test_every_target_is_scraped(home, cfg):
    expected = {("bird", "vps"), ("node", "vps"), ("node", "home"), ("krill", "home")}
    if cfg.monitoring.validator_metrics:
        expected.add(("validator", "validator"))
    assert wait_until(lambda: targets(home) == {t: "up" for t in expected}, 120), targets(home)


def test_prometheus_sees_each_session_established(home, cfg):
    for up in cfg.upstreams:
        assert wait_until(lambda: [r["value"][1] for r in query(
            home, f'max(bird_protocol_up{{job="bird",proto="BGP",name="{up.name}"}})')] == ["1"], 60)


def test_a_healthy_stack_fires_no_alert(home, cfg):
    assert wait_until(lambda: targets(home) and all(h == "up" for h in targets(home).values()), 120)
    # A stack is healthy once the world's validators find its prefixes
    # valid: right after the `up` that publishes the first ROAs, home's
    # relying party has still to run (every 10 s in the lab, every 180 s on
    # an emulated home: components/monitoring.py, rpki_status_interval; and
    # a run there takes a while), and OwnPrefixNotValid rightly fires until
    # it has. The status page waits as long. 300 s is a hang guard.
    assert wait_until(lambda: prefixes_valid(home) == set(cfg.prefixes), 300), \
        f"home's relying party does not find every prefix valid within 300 s: {prefixes_valid(home)}"
    # An alert resolves at the rule evaluation after its cause is gone.
    evaluation = cfg.monitoring.scrape_interval
    wait_until(lambda: firing(home) == [], evaluation + 5)
    assert firing(home) == []


def test_prometheus_and_alertmanager_listen_on_homes_loopback_only(home, cfg):
    ports = cfg.monitoring.ports
    for port in (ports.prometheus, ports.alertmanager, ports.node):
        listeners = home.check_output(f"ss -Htln 'sport = :{port}'")
        assert listeners.strip(), f"nothing listens on {port}"
        assert all(" 127.0.0.1:" in line for line in listeners.splitlines()), listeners


def vps_link_address(cfg) -> str:
    """vps's address on its link to gw, where home's tunnel reaches it."""
    return plan(cfg).vps_link6


def test_vps_exporters_answer_on_loopback_only(vps, client, cfg):
    ports = cfg.monitoring.ports
    for port in (ports.node, ports.bird):
        listeners = vps.check_output(f"ss -Htln 'sport = :{port}'")
        assert listeners.strip() and all(" 127.0.0.1:" in line for line in listeners.splitlines()), listeners
    # From the lab's internet: nothing answers on vps's link address.
    address = vps_link_address(cfg)
    for port in (ports.node, ports.bird):
        assert client.run(f"curl -sS -m 3 http://[{address}]:{port}/metrics").rc != 0


def _tunnel_ssh(home, vps_address: str, options: str = "", command: str = "") -> int:
    return home.run(
        f"ssh -i {TUNNEL_KEY} -o UserKnownHostsFile={TUNNEL_KNOWN_HOSTS} -o StrictHostKeyChecking=yes "
        f"-o BatchMode=yes -o ConnectTimeout=5 {options} {TUNNEL_USER}@{vps_address} {command}").rc


def test_the_tunnels_key_gets_no_shell_and_no_other_port(home, cfg):
    address = vps_link_address(cfg)
    # No command runs: the key's `command="/bin/false"` does instead.
    assert _tunnel_ssh(home, address, command="'echo shell'") == 1
    # A forward to vps's sshd (not a permitted port) is refused.
    home.run("pkill -f '[L] 127.0.0.1:18022' || true")
    assert _tunnel_ssh(home, address, "-N -f -o ExitOnForwardFailure=yes -o ServerAliveInterval=2 "
                                      "-L 127.0.0.1:18022:127.0.0.1:22") == 0
    try:
        assert home.run("curl -sS -m 3 telnet://127.0.0.1:18022 </dev/null | head -c 8").stdout[:4] != "SSH-"
    finally:
        home.run("pkill -f '[L] 127.0.0.1:18022' || true")


def _tunnel_ssh_output(home, vps_address: str, options: str, stdin: str = "") -> tuple[int, str]:
    """(ssh's exit code, its output). The code travels in the output:
    testinfra takes an exit code of 255 for its own connection failing."""
    res = home.run(
        f"printf {stdin!r} | timeout 20 ssh -i {TUNNEL_KEY} -o UserKnownHostsFile={TUNNEL_KNOWN_HOSTS} "
        f"-o StrictHostKeyChecking=yes -o BatchMode=yes -o ConnectTimeout=5 {options} {TUNNEL_USER}@{vps_address}"
        " 2>&1; echo \"personal-as-rc=$?\"")
    out, _, rc = res.stdout.rpartition("personal-as-rc=")
    return int(rc.strip()), out


def test_sshd_itself_holds_the_tunnel_user_to_the_two_exporters(home, vps, cfg):
    """sshd's Match block for the tunnel's user (a drop-in of the stack's
    own): each exporter's port is reachable through the tunnel, and sshd
    refuses a third port, a remote (-R) forward and a Unix-socket forward
    (BIRD's control socket, as sshd itself evaluates the user's settings),
    which authorized_keys options alone let through."""
    address = vps_link_address(cfg)
    get = "GET /metrics HTTP/1.0\r\n\r\n"
    for port in (cfg.monitoring.ports.node, cfg.monitoring.ports.bird):
        rc, out = _tunnel_ssh_output(home, address, f"-W 127.0.0.1:{port}", get)
        assert rc == 0 and out.startswith("HTTP/1.0 200"), (port, rc, out[:300])
    rc, out = _tunnel_ssh_output(home, address, "-W 127.0.0.1:22")
    assert rc == 255 and "administratively prohibited" in out and "SSH-" not in out, (rc, out[:300])
    rc, out = _tunnel_ssh_output(home, address, "-N -o ExitOnForwardFailure=yes -R 127.0.0.1:18024:127.0.0.1:22")
    assert rc == 255 and "remote port forwarding failed" in out, (rc, out[:300])
    # A Unix-socket forward (to BIRD's control socket, say): sshd answers a
    # refused one and one it could not connect the same way on the wire, so
    # ask sshd itself how it takes this user's connection.
    effective = vps.check_output(f"sshd -T -C user={TUNNEL_USER},host=home,addr=127.0.0.1")
    for setting in ("allowstreamlocalforwarding no", "permitlisten none", "allowagentforwarding no",
                    "permittty no", "x11forwarding no", "forcecommand /bin/false",
                    f"permitopen 127.0.0.1:{cfg.monitoring.ports.node} 127.0.0.1:{cfg.monitoring.ports.bird}"):
        assert setting in effective.splitlines(), (setting, effective)
    drop_in = vps.file("/etc/ssh/sshd_config.d/60-personal-as-metrics.conf")
    assert drop_in.exists and f"Match User {TUNNEL_USER}" in drop_in.content_string
