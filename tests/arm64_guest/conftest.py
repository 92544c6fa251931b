"""The arm64 guest tier's world: the guest (booted by `scripts/arm64-guest.sh
up`), the project's arm64 images built here and shipped to it, the user's
services started in it as the stack starts them on a real host (BIRD, Krill
and Krill's TLS proxy), and a lab-side BIRD on this machine for BIRD to
peer with. Every phase's wall time goes to the tier's timings log."""

from __future__ import annotations

import copy
import secrets
import shlex
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from components.config import validate
from components.container_image import image_spec
from components.krill_ca import KRILL_CONF, KRILL_MOUNTS
from components.bird_router import BIRD_CONF, BIRD_MOUNTS
from components.privileges import BIRD_KEEPS
from components.providers.docker_image import _ImageProvider
from components.render.bird import plaintext_passwords, render_bird_conf
from components.render.krill import render_krill_conf
from components.render.nginx import KRILL_PORT, NGINX_RUN, TLS_DIR, proxy_health_url, render_krill_proxy_conf
from components.stack import image_args
from components.web_server import NGINX_CONF, NGINX_MOUNTS, nginx_env
from tests.stack_files import LAB, load_stack_file
from tests.throwaway_tls import write_throwaway_tls

from .guest import Guest, read_env, record_timing, service_run

# Documentation ASNs (RFC 5398): the guest is the user's AS65536, with the
# lab stack's prefix; the lab side plays its provider.
USER_ASN = 65536
LAB_ASN = 64496
PREFIX = "2001:db8:100::/48"
KRILL_NAME = "krill.home.lab"
# Where a lab stack's upstream session must go (the lab's transit link).
LAB_TRANSIT_NEIGHBOR = "2001:db8:ffff:2::1"

_clock = {"session": time.monotonic()}


def pytest_sessionfinish(session, exitstatus):
    if session.config.option.collectonly:
        return
    start = _clock.get("shipped", _clock["session"])
    record_timing(f"tests {time.monotonic() - start:.0f}s (pytest exit {int(exitstatus)}, "
                  f"{session.testscollected} tests)")


@pytest.fixture(scope="session")
def env() -> dict[str, str]:
    return read_env()


@pytest.fixture(scope="session")
def guest(env) -> Guest:
    g = Guest(env)
    # SSH answers before the Docker engine is up on a slow first boot.
    g.wait_for("docker info >/dev/null 2>&1", "the guest's Docker engine", timeout=300)
    return g


@pytest.fixture(scope="session")
def images(guest) -> dict[str, str]:
    """The prod stack's arm64 images, built by the program's own build path
    (as tests/arm64 does), then shipped to the guest: name -> tag."""
    t = time.monotonic()
    built, ids = {}, {}
    for name in ("bird", "nginx", "krill"):
        spec = image_spec(image_args("prod", name, "arm64"))
        ids[spec["tag"]] = _ImageProvider()._build(spec)
        built[name] = spec["tag"]
    record_timing(f"arm64 images built or found {time.monotonic() - t:.0f}s")
    t = time.monotonic()
    there = guest.image_ids(list(ids))
    stale = [tag for tag, image_id in ids.items() if there.get(tag) != image_id]
    if stale:
        sent = guest.ship(stale)
        record_timing(f"image shipping {time.monotonic() - t:.0f}s ({sent / 1e6:.0f} MB, {len(stale)} images)")
    else:
        record_timing("image shipping 0s (the guest had them)")
    _clock["shipped"] = time.monotonic()
    # What arrived is what was built here, id for id.
    assert guest.image_ids(list(ids)) == ids
    return built


# --- the user's services in the guest ---------------------------------------

@dataclass
class Krill:
    token: str
    container: str

    def cli(self, guest: Guest, *args: str, check: bool = True):
        env = {"KRILL_CLI_TOKEN": self.token, "KRILL_CLI_SERVER": f"https://127.0.0.1:{KRILL_PORT}/",
               "KRILL_CLI_FORMAT": "json"}
        flags = " ".join(f"-e {k}={shlex.quote(v)}" for k, v in env.items())
        return guest.run(f"docker exec {flags} {self.container} krillc {shlex.join(args)}", check=check)


def add_system_user(guest: Guest, user: str) -> None:
    # As the stack's host packages step makes a daemon's user on a real
    # host: whatever uid is free; the container follows its files' owner.
    guest.run(f"id -u {user} >/dev/null 2>&1 || useradd --system --user-group --no-create-home "
              f"--shell /usr/sbin/nologin {user}")


@pytest.fixture(scope="session")
def krill(guest, images) -> Krill:
    """Krill on the guest's loopback, as the stack's KrillCA runs it on home."""
    token = secrets.token_hex(16)
    add_system_user(guest, "krill")
    guest.run("install -d -o krill -g krill -m 0750 /var/lib/krill")
    guest.write_file(KRILL_CONF, render_krill_conf(token, f"https://{KRILL_NAME}/"), mode="0600",
                     owner="krill:krill")
    container = guest.run(service_run("home", "krill", images["krill"], KRILL_MOUNTS,
                                      {"KRILL_HEALTH_URL": f"https://127.0.0.1:{KRILL_PORT}/health"}))
    assert container.stdout.strip()
    return Krill(token, "arm64-home-krill")


@pytest.fixture(scope="session")
def krill_info(guest, krill) -> dict:
    """`krillc info`, once Krill answers (its first start is slow under TCG)."""
    import json

    deadline, last = time.monotonic() + 300, None
    while time.monotonic() < deadline:
        last = krill.cli(guest, "info", check=False)
        if last.returncode == 0:
            return json.loads(last.stdout)
        time.sleep(3)
    logs = guest.run(f"docker logs --tail 50 {krill.container} 2>&1", check=False).stdout
    raise AssertionError(f"krillc info never answered in 300 s: {last.stderr if last else ''}\n{logs}")


@pytest.fixture(scope="session")
def tls_dir(tmp_path_factory) -> Path:
    return write_throwaway_tls(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="session")
def krill_proxy(guest, images, krill, tls_dir) -> str:
    """nginx in front of Krill, as home's proxy: TLS on loopback and on the
    guest's address on the bridge (its LAN side). Returns the container."""
    conf = render_krill_proxy_conf(KRILL_NAME, f"{TLS_DIR}/krill.crt", f"{TLS_DIR}/krill.key",
                                   listen=["127.0.0.1", "::1", guest.address6], https_port=443, http_port=80)
    guest.write_file(f"{TLS_DIR}/krill.key", (tls_dir / "krill.key").read_text(), mode="0600")
    guest.write_file(f"{TLS_DIR}/krill.crt", (tls_dir / "krill.crt").read_text())
    guest.write_file(NGINX_CONF, conf)
    guest.run(f"install -d -m 0755 {NGINX_RUN}")
    # The stack checks a new config with nginx -t before it is used: here,
    # by the arm64 nginx itself.
    guest.run(f"docker run --rm --pull never --network host --entrypoint sh "
              f"-v /etc/nginx/personal-as:/etc/nginx/personal-as:ro -v {TLS_DIR}:{TLS_DIR}:ro {images['nginx']} "
              f"-c 'mkdir -p {NGINX_RUN} && nginx -q -t -c {NGINX_CONF}'")
    guest.run(service_run("home", "nginx", images["nginx"], [*NGINX_MOUNTS, TLS_DIR],
                          nginx_env(proxy_health_url("127.0.0.1", 443), None)))
    return "arm64-home-nginx"


# --- BGP: the guest's BIRD and the lab side's -------------------------------

def guest_bird_conf(lab6: str, password: str) -> str:
    """The user's bird.conf, rendered by the stack's renderer from the lab
    stack's config with its one upstream the lab side here: the template a
    real vps gets (export filter, roles, TCP-MD5, timers)."""
    raw, secret_keys = load_stack_file(LAB)
    raw = copy.deepcopy(raw)
    raw["upstreams"] = [{"name": "lab", "asn": LAB_ASN, "neighbor": LAB_TRANSIT_NEIGHBOR, "hold_time": 9,
                         "role": "customer", "import": "none", "password": password}]
    cfg = validate(raw, {*secret_keys, "upstreams"}, check_files=False)
    assert [str(n) for n in cfg.v6_networks] == [PREFIX]
    # A lab world's validation pins an IPv6 session to the lab's transit
    # link; the lab side of this tier sits on the guest's bridge instead.
    upstream = cfg.upstreams[0].model_copy(update={"neighbor": lab6})
    return render_bird_conf(cfg.model_copy(update={"upstreams": [upstream]}), plaintext_passwords(cfg))


def lab_bird_conf(lab6: str, guest6: str, password: str) -> str:
    """The lab side, written here: the lab's own templates (lab_bird.py) are
    transit and peer with their other sessions (the lab's peer, RTR, IRR
    lists), none of which exist beside this guest. One provider session,
    roles and MD5 as transit has them, routes taken from the customer only
    for its prefix."""
    return f"""log stderr all;
router id 203.0.113.179;
protocol device {{ scan time 2; }}
protocol bgp customer {{
  local {lab6} as {LAB_ASN};
  neighbor {guest6} as {USER_ASN};
  authentication md5;
  password "{password}";
  local role provider;
  require roles on;
  hold time 9;
  keepalive time 3;
  connect retry time 5;
  error wait time 5, 20;
  ipv6 {{ import where net = {PREFIX}; export none; }};
}}
"""


def birdc(*args: str) -> list[str]:
    return ["birdc", "-s", "/run/bird/bird.ctl", *args]


@pytest.fixture(scope="session")
def bgp_password() -> str:
    return secrets.token_hex(12)


@pytest.fixture(scope="session")
def lab_bird(env, bgp_password, tmp_path_factory):
    """BIRD on this machine, the amd64 image of the same BIRD release, in a
    network namespace of its own (its container's) cabled to the guest's
    bridge by a veth."""
    name, veth = env["A64_LAB_BIRD"], env["A64_LAB_VETH"]
    spec = image_spec(image_args("lab", "bird"))
    _ImageProvider()._build(spec)
    conf = tmp_path_factory.mktemp("lab-bird") / "bird.conf"
    conf.write_text(lab_bird_conf(env["A64_LAB6"], env["A64_GUEST6"], bgp_password))
    conf.chmod(0o644)
    subprocess.run(["docker", "rm", "-f", name], capture_output=True)
    subprocess.run(["ip", "link", "del", veth], capture_output=True)
    # BIRD keeps its four network capabilities when it drops to its user.
    subprocess.run(["docker", "run", "-d", "--pull", "never", "--name", name, "--network", "none",
                    *[f"--cap-add={c}" for c in BIRD_KEEPS], "-v", f"{conf}:/etc/bird/bird.conf:ro", spec["tag"]],
                   check=True, capture_output=True)
    try:
        pid = subprocess.run(["docker", "inspect", "-f", "{{.State.Pid}}", name], check=True, capture_output=True,
                             text=True).stdout.strip()
        inner = f"{veth}c"
        ns = ["nsenter", "-t", pid, "-n"]
        for cmd in (["ip", "link", "add", veth, "type", "veth", "peer", "name", inner],
                    ["ip", "link", "set", veth, "master", env["A64_BRIDGE"], "up"],
                    ["ip", "link", "set", inner, "netns", pid],
                    [*ns, "ip", "link", "set", inner, "name", "eth0"],
                    # Docker turns IPv6 off in a container without an IPv6 network.
                    [*ns, "sysctl", "-qw", "net.ipv6.conf.eth0.disable_ipv6=0"],
                    [*ns, "ip", "addr", "add", f"{env['A64_LAB4']}/{env['A64_LEN4']}", "dev", "eth0"],
                    [*ns, "ip", "-6", "addr", "add", f"{env['A64_LAB6']}/{env['A64_LEN6']}", "dev", "eth0", "nodad"],
                    [*ns, "ip", "link", "set", "eth0", "up"]):
            subprocess.run(cmd, check=True, capture_output=True)
        yield name
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True)
        subprocess.run(["ip", "link", "del", veth], capture_output=True)


@pytest.fixture(scope="session")
def guest_bird(guest, images, env, bgp_password) -> str:
    """The user's BIRD in the guest, as BirdRouter runs it on vps: its config
    checked by the image's own `bird -p` first, as the stack's apply does."""
    add_system_user(guest, "bird")
    guest.run("install -d -o bird -g bird -m 0750 /run/bird && install -d -m 0755 /etc/bird")
    guest.write_file(BIRD_CONF, guest_bird_conf(env["A64_LAB6"], bgp_password), mode="0600", owner="bird:bird")
    guest.run(f"docker run --rm --pull never --network none --entrypoint bird -v /etc/bird:/etc/bird:ro "
              f"{images['bird']} -p -c {BIRD_CONF}")
    guest.run(service_run("vps", "bird", images["bird"], BIRD_MOUNTS))
    return "arm64-vps-bird"
