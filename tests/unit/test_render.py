"""Rendered configs match their golden files and pass the real binaries'
own checks: `bird -p -c` (by the routers' BIRD, in its image) and `nginx -t`."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from components.config import validate
from components.lab_plan import plan as lab_plan
from components.render import (
    plaintext_passwords, render_bird_conf, render_krill_conf, render_krill_proxy_conf,
    render_route0_conf,
)
from components.render.krill import Testbed as KrillTestbed
from components.onboarding import onboarding_stage
from components.render.monitoring import render_status_console
from components.render.nginx import StatusSite
from components.render.irr_filter import IRR_DIR, empty_list_file, irr_lists
from components.render.lab_bird import Route, RtrServer, Session, render_peer_conf, render_transit_conf
from components.render.host_network import (
    firewall_rules, render_host_network, render_host_network_check, render_host_network_undo,
)
from components.render.host_network import persistent_files
from components.render.provision import render_bird_apply, render_bird_check
from components.render.provision import render_host_packages
from components.stack import home_network, vps_network
from tests.bird_p import bird_parse
from tests.stack_files import LAB, PROD_EXAMPLE, load_stack_file
from tests.throwaway_tls import write_throwaway_tls
from tests.unit.test_config import with_change

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
LAB_RAW, LAB_SECRETS = load_stack_file(LAB, placeholder="golden-password")
PROD_RAW, PROD_SECRETS = load_stack_file(PROD_EXAMPLE, placeholder="golden-password")


# Both prefixes with a ROA: the stack's route objects and ROAs must agree.
DUAL_STACK_ROAS = [{"prefix": "2001:db8:100::/48", "max_length": 48}, {"prefix": "203.0.113.0/24"}]


# The lab's second upstream: peer AS64497, directly on its own link to vps.
LAB_SECOND_UPSTREAM = {"name": "peer", "asn": 64497, "neighbor": "2001:db8:ffff:6::1", "hold_time": 9, "bfd": True}


def lab_cfg(**changes):
    raw = LAB_RAW
    for path, value in changes.items():
        raw = with_change(raw, tuple(int(p) if p.isdigit() else p for p in path.split("__")), value)
    return validate(raw, LAB_SECRETS)


def bird_conf(cfg) -> str:
    return render_bird_conf(cfg, plaintext_passwords(cfg))


def _transit(customer_policy=False, **extra):
    policy = dict(role="provider", bfd=True, blackhole=True) if customer_policy else {}
    return render_transit_conf(
        asn=64496, router_id="198.51.100.1",
        customer=Session("customer_as65536", 65536, "198.51.100.1", "192.0.2.10", 2, "golden-password",
                         next_hop6="2001:db8:ffff:2::1", **policy),
        customer_prefixes=["2001:db8:100::/48"],
        nexthop_routes=[Route("2001:db8:ffff:1::/64", "2001:db8:ffff:2::2")],
        peer=Session("peer", 64497, "2001:db8:ffff:3::1", "2001:db8:ffff:3::2"),
        rtr=RtrServer("2001:db8:ffff:12::2"), **extra,
    )


def _peer(**extra):
    return render_peer_conf(64497, "198.51.100.10", Session("transit", 64496, "2001:db8:ffff:3::2",
                                                            "2001:db8:ffff:3::1"), ["2001:db8:ffff:4::/64"], **extra)


BIRD_CASES = {
    "lab-vps.bird.conf": lambda: bird_conf(lab_cfg()),
    "prod-example-vps.bird.conf": lambda: bird_conf(validate(PROD_RAW, PROD_SECRETS, check_files=False, placeholders_ok=True)),
    "lab-vps-dual-stack.bird.conf": lambda: bird_conf(lab_cfg(prefixes=["2001:db8:100::/48", "203.0.113.0/24"], roas=DUAL_STACK_ROAS)),
    "lab-vps-import-default.bird.conf": lambda: bird_conf(lab_cfg(upstreams__0__import="default")),
    "lab-vps-import-full.bird.conf": lambda: bird_conf(lab_cfg(upstreams__0__import="full")),
    "lab-transit.bird.conf": _transit,
    "lab-transit-policy.bird.conf": lambda: _transit(customer_policy=True),
    "lab-vps-blackhole-maintenance.bird.conf": lambda: bird_conf(lab_cfg(
        prefixes=["2001:db8:100::/48", "203.0.113.0/24"], roas=DUAL_STACK_ROAS, maintenance=True,
        blackhole=["2001:db8:100::666", "203.0.113.66"], communities=["65536:1:1", "64496:0:64497"])),
    "lab-vps-two-upstreams.bird.conf": lambda: bird_conf(lab_cfg(
        upstreams=[LAB_RAW["upstreams"][0], LAB_SECOND_UPSTREAM], upstreams__0__maintenance=True)),
    "lab-vps-no-role.bird.conf": lambda: bird_conf(lab_cfg(upstreams__0__role=None, upstreams__0__bfd=False)),
    # Transit's filter by the registry: bgpq4's lists, included by name.
    "lab-transit-irr.bird.conf": lambda: _transit(irr_lists=irr_lists(65536, None)),
    "lab-peer.bird.conf": _peer,
    # The provider profiles the lab's transit plays: Vultr-like (a private
    # session ASN, the public one in paths) and BuyVM-like (an IPv6 session).
    "lab-transit-vultr-like.bird.conf": lambda: render_transit_conf(
        asn=64496, router_id="198.51.100.1",
        customer=Session("customer_as65536", 65536, "198.51.100.1", "192.0.2.10", 2, "golden-password",
                         next_hop6="2001:db8:ffff:2::1", local_asn=64515),
        customer_prefixes=["2001:db8:100::/48"], nexthop_routes=[Route("2001:db8:ffff:1::/64", "2001:db8:ffff:2::2")],
        peer=Session("peer", 64497, "2001:db8:ffff:3::1", "2001:db8:ffff:3::2")),
    "lab-transit-buyvm-like.bird.conf": lambda: render_transit_conf(
        asn=64496, router_id="198.51.100.1",
        customer=Session("customer_as65536", 65536, "2001:db8:ffff:2::1", "2001:db8:ffff:1::10", 2,
                         "golden-password"),
        customer_prefixes=["2001:db8:100::/48"], nexthop_routes=[Route("2001:db8:ffff:1::/64", "2001:db8:ffff:2::2")],
        peer=Session("peer", 64497, "2001:db8:ffff:3::1", "2001:db8:ffff:3::2")),
    "lab-vps-vultr-like.bird.conf": lambda: bird_conf(lab_cfg(upstreams__0__asn=64515, upstreams__0__path_asn=64496)),
    "lab-vps-buyvm-like.bird.conf": lambda: bird_conf(lab_cfg(
        upstreams__0__neighbor="2001:db8:ffff:2::1", upstreams__0__source="2001:db8:ffff:1::10",
        upstreams__0__next_hop6=None)),
    "lab-peer-second-upstream.bird.conf": lambda: _peer(
        customer=Session("customer_as65536", 65536, "2001:db8:ffff:6::1", "2001:db8:ffff:6::10", hold_time=9,
                         role="provider", bfd=True),
        customer_prefixes=["2001:db8:100::/48"]),
}
NGINX_CASES = {
    "lab-route0.nginx.conf": lambda tls: render_route0_conf(lab_cfg(), tls),
    "prod-example-route0.nginx.conf": lambda tls: render_route0_conf(
        validate(PROD_RAW, PROD_SECRETS, check_files=False, placeholders_ok=True), tls),
    "route0-plain-http.nginx.conf": lambda tls: render_route0_conf(lab_cfg(acme=None), tls),
    "lab-krill-proxy.nginx.conf": lambda tls: render_krill_proxy_conf("krill.home.lab", f"{tls}/krill.crt",
                                                                        f"{tls}/krill.key"),
    "lab-krill-proxy-acme.nginx.conf": lambda tls: render_krill_proxy_conf(
        "krill.home.lab", f"{tls}/krill.crt", f"{tls}/krill.key", ["127.0.0.1", "::1", "2001:db8:ffff:10::2"],
        acme=True),
    "lab-krill-proxy-status.nginx.conf": lambda tls: render_krill_proxy_conf(
        "krill.home.lab", f"{tls}/krill.crt", f"{tls}/krill.key", ["127.0.0.1", "::1", "2001:db8:ffff:10::2"],
        acme=True, status=StatusSite(f"{tls}/htpasswd", f"{tls}/topology.svg", 9090)),
}
TEXT_CASES = {
    "lab-status.console.html": lambda: render_status_console(lab_cfg(), onboarding_stage(lab_cfg())),
    "lab-home.krill.conf": lambda: render_krill_conf("golden-token-0123456789", "https://krill.home.lab/"),
    "lab-rir.krill.conf": lambda: render_krill_conf("golden-token-0123456789", "https://rir.lab/",
                                                    testbed=KrillTestbed("https://rir.lab/", "rir.lab")),
    "lab-vps-network.sh": lambda: render_host_network(vps_network(
        lab_cfg(), True, lab_plan(lab_cfg()).addresses_of("vps"), lab_plan(lab_cfg()).routes["vps"])),
    "bird-apply.sh": lambda: render_bird_apply(["transit"]),
    # A real host: the new config is checked by the image's BIRD.
    "bird-apply-image-check.sh": lambda: render_bird_apply(["transit"], check_image="personal-as/bird:prod-0123abcd"),
    "bird-check.sh": lambda: render_bird_check(),
    # vps's lab addresses and routes as a real machine's NetworkManager
    # connections (eth-gw, then dummy0), one file after the other.
    "vps-network.nmconnection": lambda: "".join(persistent_files(vps_network(
        lab_cfg(), False, lab_plan(lab_cfg()).addresses_of("vps"), lab_plan(lab_cfg()).routes["vps"])).nm.values()),
    "prod-example-vps-network.sh": lambda: render_host_network(vps_network(validate(PROD_RAW, PROD_SECRETS, check_files=False, placeholders_ok=True), False)),
}


def check_golden(name: str, text: str, update: bool) -> None:
    path = GOLDEN / name
    if update:
        path.write_text(text)
    assert path.exists(), f"no golden file {path}; run pytest --update-golden and review the diff"
    assert text == path.read_text(), f"{name} differs from its golden file; if intended, run --update-golden"


@pytest.mark.parametrize("name", sorted(BIRD_CASES))
def test_bird_conf_matches_golden_and_passes_bird_p(name, tmp_path, update_golden):
    text = BIRD_CASES[name]()
    check_golden(name, text, update_golden)
    conf = tmp_path / "bird.conf"
    # Transit's registry lists, as the stack seeds them before BIRD starts.
    for lst in irr_lists(65536, None):
        (tmp_path / Path(lst.file).name).write_text(empty_list_file(lst, "LAB"))
    conf.write_text(text.replace(IRR_DIR, str(tmp_path)))
    res = bird_parse(conf)
    assert res.returncode == 0, res.stdout + res.stderr


@pytest.fixture
def tls_dir(tmp_path):
    """A throwaway key and certificate so `nginx -t` can load the TLS server."""
    return write_throwaway_tls(tmp_path)


@pytest.mark.parametrize("name", sorted(NGINX_CASES))
def test_nginx_conf_matches_golden_and_passes_nginx_t(name, tmp_path, tls_dir, update_golden):
    golden_text = NGINX_CASES[name]("/etc/nginx/tls")
    check_golden(name, golden_text, update_golden)
    text = NGINX_CASES[name](str(tls_dir))
    # nginx -t opens the pid file's directory and its logs: point them at scratch.
    text = text.replace("/run/nginx/nginx.pid", str(tmp_path / "nginx.pid"))
    conf = tmp_path / "nginx.conf"
    conf.write_text(text)
    # nginx -t binds its listen addresses. Give it a private network namespace
    # that has them, as the host has them on its prefix interface.
    addrs = re.findall(r"listen \[([0-9a-f:]+)\]:", text)
    setup = "ip link set lo up; " + "".join(f"ip addr add {a}/128 dev lo nodad; " for a in addrs)
    res = subprocess.run(["unshare", "--net", "sh", "-c",
                          f"{setup} nginx -t -c {conf} -e {tmp_path / 'error.log'}"],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr


@pytest.mark.parametrize("name", sorted(TEXT_CASES))
def test_other_renders_match_golden(name, update_golden):
    check_golden(name, TEXT_CASES[name](), update_golden)


@pytest.mark.parametrize("name", ["lab-vps-network.sh", "bird-apply.sh", "prod-example-vps-network.sh"])
def test_rendered_scripts_are_valid_shell(name):
    text = TEXT_CASES[name]()
    res = subprocess.run(["bash", "-n"], input=text, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr


def test_krill_conf_listens_on_localhost_and_keeps_ris_off():
    text = TEXT_CASES["lab-home.krill.conf"]()
    assert 'ip = "127.0.0.1"' in text
    assert "bgp_riswhois_enabled = false" in text


# Seed fidelity: everything the seed's bird.conf has, on the seed's numbers.
SEED_ELEMENTS = [
    r"router id 192\.0\.2\.10;",
    r"protocol device \{\s*scan time 5;",
    r'protocol direct \{\s*interface "dummy\*";\s*ipv6 \{ import all; \};',
    r"protocol kernel kernel6 \{[^}]*ipv6 \{[^}]*export",
    r"protocol static static_bgp \{\s*ipv6;\s*route 2a0f:85c1:362::/48 unreachable;",
    r"protocol bgp frantech \{",
    r"local as 215634;",
    r"source address 192\.0\.2\.10;",
    r"neighbor 198\.51\.100\.1 as 53667;",
    r'password "golden-password-1";',
    r"multihop 2;",
    r"graceful restart on;",
    r"ipv6 \{\s*import none;\s*export filter AS53667_frantech_EXPORT_V6;",
]


@pytest.mark.parametrize("pattern", SEED_ELEMENTS)
def test_seed_parameters_render_everything_the_seed_had(pattern):
    assert re.search(pattern, BIRD_CASES["prod-example-vps.bird.conf"]()), pattern


def test_export_filter_admits_exactly_the_users_prefixes():
    text = bird_conf(lab_cfg(prefixes=["2001:db8:100::/48", "203.0.113.0/24"], roas=DUAL_STACK_ROAS))
    assert "define OWN_PREFIXES_V6 = [ 2001:db8:100::/48 ];" in text
    assert "define OWN_PREFIXES_V4 = [ 203.0.113.0/24 ];" in text
    for version in (4, 6):
        assert re.search(rf"filter AS64496_transit_EXPORT_V{version} \{{\s*if net !~ OWN_PREFIXES_V{version} then reject;"
                         r"(\s*bgp_large_community\.add\(\(65536, \d+, \d+\)\);)*\s*accept;\s*\}", text)


def test_ipv4_channel_appears_only_with_an_ipv4_prefix():
    assert "ipv4 {" not in bird_conf(lab_cfg())
    assert "ipv4 {" in bird_conf(lab_cfg(prefixes=["2001:db8:100::/48", "203.0.113.0/24"], roas=DUAL_STACK_ROAS))


def test_one_bgp_protocol_per_upstream():
    text = bird_conf(lab_cfg(upstreams=[LAB_RAW["upstreams"][0], LAB_SECOND_UPSTREAM]))
    assert re.findall(r"^protocol bgp (\w+)", text, re.M) == ["transit", "peer"]


def test_binaries_for_checks_are_installed():
    assert shutil.which("bird") and shutil.which("nginx"), "run the bootstrap: bird2 and nginx check configs"


def test_prod_host_network_script_makes_a_persistent_dummy_and_opens_the_configured_ssh_port():
    cfg = validate(PROD_RAW, PROD_SECRETS, check_files=False, placeholders_ok=True)
    text = render_host_network(vps_network(cfg, False, ssh_port=2222))
    assert "ip link add dummy0 type dummy" in text
    # Both of Debian's network stacks get the dummy: whichever the host runs.
    assert "put /etc/network/interfaces.d/personal-as <<" in text
    assert "put /etc/systemd/network/60-personal-as-dummy0.netdev <<" in text
    assert "saddr 198.51.100.1 tcp dport 179 accept" in text
    assert "tcp dport 2222 accept" in text and "tcp dport 22 " not in text
    assert subprocess.run(["bash", "-n"], input=text, capture_output=True, text=True).returncode == 0


@pytest.mark.parametrize("script", [render_host_network_check, render_host_network_undo])
@pytest.mark.parametrize("persistent", [False, True])
def test_drift_check_and_undo_scripts_are_valid_shell(script, persistent):
    cfg = validate(PROD_RAW, PROD_SECRETS, check_files=False, placeholders_ok=True)
    for spec in (vps_network(cfg, not persistent), home_network(not persistent, names=[("rir.lab", "2001:db8::1")])):
        res = subprocess.run(["sh", "-n"], input=script(spec), capture_output=True, text=True)
        assert res.returncode == 0, res.stderr


def test_routes_must_name_a_gateway_on_a_link_of_the_stacks():
    spec = vps_network(lab_cfg(), False, addresses=[("eth-gw", "2001:db8:ffff:1::10/64")],
                       routes=["default via 2001:db8:ffff:9::1"])
    with pytest.raises(ValueError, match="no interface of the stack's is on 2001:db8:ffff:9::1's link"):
        render_host_network(spec)


def test_home_firewall_keeps_the_boxs_own_services_and_closes_only_krills_port():
    text = render_host_network(home_network(False))
    assert "policy accept;" in text and "policy drop" not in text
    assert 'iif != lo tcp dport { 3000 } drop' in text


def test_host_packages_mask_the_tools_daemons_before_installing_and_keep_an_existing_docker():
    text = render_host_packages({"bird2": "bird", "nginx-light": "nginx", "nftables": None}, [])
    assert text.index("systemctl mask --quiet") < text.index("apt_get install")
    assert 'mask="$mask "bird' in text and 'mask="$mask "nftables' not in text
    assert 'if ! command -v dockerd' in text  # docker.io only where no engine is installed
    assert "useradd" not in text
    assert "useradd --system" in render_host_packages({"nginx-light": "nginx"}, ["krill"])
    assert subprocess.run(["bash", "-n"], input=text, capture_output=True, text=True).returncode == 0


def test_transit_validates_customer_routes_and_rejects_invalid_and_not_found():
    text = _transit()
    assert "protocol rpki validator" in text and "remote 2001:db8:ffff:12::2 port 8282;" in text
    assert "roa_check(r6, net, bgp_path.last) = ROA_INVALID then reject;" in text
    assert "roa_check(r6, net, bgp_path.last) != ROA_VALID then reject;" in text
    assert "import table on;" in text and "rpki reload on;" in text


def test_home_firewall_lets_only_allow_from_reach_the_krill_proxy():
    text = firewall_rules(home_network(False, proxy_ports=(443, 80),
                                       allow_from=("192.168.1.0/24", "fd00:1::/64")).firewall)
    accept4 = "ip saddr { 192.168.1.0/24 } tcp dport { 443, 80 } accept"
    accept6 = "ip6 saddr { fd00:1::/64 } tcp dport { 443, 80 } accept"
    drop = "iif != lo tcp dport { 443, 80 } drop"
    assert text.index(accept4) < text.index(drop) and text.index(accept6) < text.index(drop)
    # Without allow_from the proxy's ports are left as the box's own are.
    assert "443" not in firewall_rules(home_network(False, proxy_ports=(443, 80)).firewall)
