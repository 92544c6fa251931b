"""The ports the stack takes on home: each from a config key, never two of
the stack's own on one address, and preview's probe names whatever else on
the box already holds one (its output parsed here from a real box's shape)."""

from __future__ import annotations

import pytest

from components.config import validate
from components.config.errors import ConfigError
from components.config.home_ports import Binding, home_bindings, overlaps
from components.render.port_probe import is_own, parse_probe, taken
from tests.stack_files import VMLAB, load_stack_file

# A household box: Apache on every address's :80, Debian's nginx on :443 (both
# families), a service of its own on :3000 and, after an `up`, the stack's
# Krill (3001) and proxy (8443) in containers vmlab-home-krill / -nginx.
KRILL_CID = "a" * 64
PROXY_CID = "b" * 64
PROBE = f"""== listeners
LISTEN 0      511                *:80               *:*    users:(("apache2",pid=701,fd=4),("apache2",pid=700,fd=4))
LISTEN 0      511          0.0.0.0:443        0.0.0.0:*    users:(("nginx",pid=812,fd=6),("nginx",pid=811,fd=6))
LISTEN 0      511             [::]:443           [::]:*    users:(("nginx",pid=812,fd=7),("nginx",pid=811,fd=7))
LISTEN 0      64                 *:3000             *:*    users:(("busybox",pid=900,fd=3))
LISTEN 0      128             [::]:2222          [::]:*    users:(("sshd",pid=500,fd=4))
LISTEN 0      1024       127.0.0.1:3001       0.0.0.0:*    users:(("krill",pid=2001,fd=9))
LISTEN 0      511        127.0.0.1:8443       0.0.0.0:*    users:(("nginx",pid=2101,fd=6),("nginx",pid=2100,fd=6))
LISTEN 0      4096   127.0.0.53%lo:53         0.0.0.0:*    users:(("systemd-resolve",pid=300,fd=14))
== cgroups
2001 0::/system.slice/docker-{KRILL_CID}.scope
2100 0::/system.slice/docker-{PROXY_CID}.scope
2101 0::/system.slice/docker-{PROXY_CID}.scope
700 0::/system.slice/apache2.service
701 0::/system.slice/apache2.service
== containers
{KRILL_CID} vmlab-home-krill
{PROXY_CID} vmlab-home-nginx
"""


def vmlab_cfg(**krill):
    raw, secrets = load_stack_file(VMLAB)
    raw["krill"] = {**raw["krill"], **krill}
    return validate(raw, secrets, check_files=False)


def problems_of(raw_krill: dict) -> list[str]:
    with pytest.raises(ConfigError) as err:
        vmlab_cfg(**raw_krill)
    return err.value.problems


def test_every_port_the_stack_takes_on_home_comes_from_a_key():
    cfg = vmlab_cfg(port=3001)
    keys = {b.key_text: b.port for b in home_bindings(cfg)}
    assert keys["krill.port"] == 3001
    assert keys["krill.proxy.https_port"] == 8443 and "krill.proxy.http_port" not in keys
    assert {"monitoring.ports.prometheus", "monitoring.ports.alertmanager", "monitoring.ports.node",
            "monitoring.ports.tunnel_node", "monitoring.ports.tunnel_bird"} <= keys.keys()


def test_two_of_the_stacks_own_listeners_on_one_port_are_refused_with_both_keys():
    [line] = problems_of({"port": 8443})
    assert "krill.proxy.https_port" in line and "krill.port" in line and "8443" in line


def test_the_same_port_on_different_addresses_is_no_clash():
    cfg = vmlab_cfg(port=8443, listen="127.0.0.1", proxy={"https_port": 8443, "http_port": None,
                                                           "listen": ["192.0.2.33"]})
    assert cfg.krill.port == cfg.krill.proxy.https_port == 8443


@pytest.mark.parametrize("held, ours, clash", [
    ("0.0.0.0", "127.0.0.1", True), ("*", "::1", True), ("::", "127.0.0.1", False),
    ("127.0.0.1", "127.0.0.1", True), ("192.0.2.1", "127.0.0.1", False), ("[::1]", "::1", True),
])
def test_a_wildcard_listener_takes_its_family_on_every_address(held, ours, clash):
    assert overlaps(held, ours) is clash


def test_the_probe_reads_listeners_processes_and_their_containers():
    listeners = {(l.address, l.port): l for l in parse_probe(PROBE)}
    assert {p.name for p in listeners[("*", 80)].processes} == {"apache2"}
    assert listeners[("127.0.0.53", 53)].processes[0].name == "systemd-resolve"
    krill = listeners[("127.0.0.1", 3001)]
    assert krill.processes[0].container == "vmlab-home-krill" and is_own(krill, "vmlab-home")
    assert not is_own(listeners[("0.0.0.0", 443)], "vmlab-home")
    # Another stack's container on the same box is not this stack's.
    assert not is_own(krill, "lab-home")


def test_a_port_held_by_another_service_is_refused_with_key_port_and_process():
    bindings = [Binding(("krill", "port"), 3000, ("127.0.0.1",)),
                Binding(("krill", "proxy", "https_port"), 443, ("127.0.0.1", "::1")),
                Binding(("krill", "proxy", "http_port"), 80, ("127.0.0.1",))]
    lines = taken(bindings, parse_probe(PROBE), "vmlab-home")
    assert len(lines) == 3
    assert lines[0].startswith("krill.port: port 3000 on home is taken by busybox (pid 900)")
    assert "by nginx (pid 812), nginx (pid 811) (listening on 0.0.0.0:443, [::]:443)" in lines[1]
    assert "apache2 (pid 701)" in lines[2] and "set krill.proxy.http_port to a free port" in lines[2]


def test_ports_the_stack_itself_holds_after_an_up_are_not_refused():
    bindings = [Binding(("krill", "port"), 3001, ("127.0.0.1",)),
                Binding(("krill", "proxy", "https_port"), 8443, ("127.0.0.1",))]
    assert taken(bindings, parse_probe(PROBE), "vmlab-home") == []
    # The same ports wanted by another stack on this box are taken.
    assert len(taken(bindings, parse_probe(PROBE), "prod-home")) == 2


def test_before_the_first_up_the_probe_reaches_home_by_the_config_not_the_unknown_connection():
    """The first preview of a fresh stack: the connection (with the host key
    HostKey will pin) is not known yet, in either form the engine hands a
    dynamic provider. The probe then goes by the config's address and login."""
    from pulumi.output import Unknown
    from pulumi.runtime.rpc import UNKNOWN

    from components.providers.port_probe import _connection

    reach = {"host": "203.0.113.243", "port": 2222, "user": "admin", "key_file": "~/k", "pinned": ["ssh-ed25519 AAAA"]}
    for unknown in (Unknown(), UNKNOWN, {"host": "203.0.113.243", "host_keys": Unknown()}):
        conn = _connection({"connection": unknown, "reach": reach})
        assert conn == {"host": "203.0.113.243", "port": 2222, "user": "admin", "key_file": "~/k",
                        "host_keys": ["ssh-ed25519 AAAA"]}
    known = {"host": "h", "port": 22, "user": "root", "key_file": "~/k", "host_keys": ["k"]}
    assert _connection({"connection": known, "reach": reach}) == known
