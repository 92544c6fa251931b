"""An arm64 host's images, built on this amd64 machine the way `pulumi up`
builds them (image_args, image_spec, the DockerImage provider): arm64 through
and through, and their daemons run, under qemu-user-static, on the configs
the stack renders. Needs `make bootstrap-arm64` (scripts/test.sh runs it)."""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import time

import docker
import pytest

from components.config.arch import machine_arch
from components.container_image import image_spec
from components.cross_build import binfmt_problem
from components.providers.docker_image import _ImageProvider
from components.config import validate
from components.render import render_route0_conf
from components.render.krill import render_krill_conf
from components.render.nginx import KRILL_PORT, TLS_DIR
from components.stack import image_args
from tests.stack_files import PROD_EXAMPLE, load_stack_file
from tests.throwaway_tls import write_throwaway_tls
from tests.unit.test_render import BIRD_CASES

if machine_arch() != "amd64":
    pytest.skip("the arm64 tier cross-builds on an amd64 machine", allow_module_level=True)

# ELF e_machine (bytes 18-19, little endian) of an AArch64 executable.
EM_AARCH64 = "b7 00"


@pytest.fixture(scope="module")
def images() -> dict[str, str]:
    assert binfmt_problem("arm64") is None, "run `make bootstrap-arm64` first"
    built = {}
    for name in ("bird", "nginx", "krill"):
        spec = image_spec(image_args("prod", name, "arm64"))
        _ImageProvider()._build(spec)
        built[name] = spec["tag"]
    return built


def arm64(image: str, *command: str, mounts: dict[str, str] | None = None, check: bool = True):
    # No network but loopback, with IPv6 on it (Docker turns it off by default).
    args = ["docker", "run", "--rm", "--platform", "linux/arm64", "--network", "none",
            "--sysctl", "net.ipv6.conf.lo.disable_ipv6=0", "--entrypoint", command[0]]
    for src, dst in (mounts or {}).items():
        args += ["-v", f"{src}:{dst}:ro"]
    res = subprocess.run([*args, image, *command[1:]], capture_output=True, text=True, timeout=300)
    if check and res.returncode != 0:
        raise AssertionError(f"{command} in {image}: {res.returncode}\n{res.stdout}\n{res.stderr}")
    return res


def elf_machine(image: str, path: str) -> str:
    return arm64(image, "od", "-An", "-tx1", "-j18", "-N2", path).stdout.strip()


@pytest.mark.parametrize("name,binary", [("bird", "/usr/sbin/bird"), ("nginx", "/usr/sbin/nginx"),
                                         ("krill", "/usr/local/bin/krill"), ("krill", "/usr/local/bin/krillc")])
def test_the_image_and_its_daemon_are_arm64(images, name, binary):
    assert docker.from_env().images.get(images[name]).attrs["Architecture"] == "arm64"
    assert elf_machine(images[name], binary) == EM_AARCH64
    assert arm64(images[name], "uname", "-m").stdout.strip() == "aarch64"


def test_bird_parses_the_vps_config_rendered_for_prod_and_refuses_a_broken_one(images, tmp_path):
    conf = tmp_path / "bird.conf"
    conf.write_text(BIRD_CASES["prod-example-vps.bird.conf"]())
    arm64(images["bird"], "bird", "-p", "-c", "/etc/bird/bird.conf", mounts={str(conf): "/etc/bird/bird.conf"})
    conf.write_text(conf.read_text() + "\nprotocol bgp broken {\n")
    res = arm64(images["bird"], "bird", "-p", "-c", "/etc/bird/bird.conf", mounts={str(conf): "/etc/bird/bird.conf"},
                check=False)
    assert res.returncode != 0 and "syntax error" in res.stderr.lower(), res.stderr


def test_nginx_accepts_the_route0_config_rendered_for_prod(images, tmp_path):
    text = render_route0_conf(validate(*load_stack_file(PROD_EXAMPLE), check_files=False, placeholders_ok=True))
    # nginx -t binds its listen addresses: with --network none there is only
    # lo, so listen where it can, as the unit tier does with its own nginx.
    text = re.sub(r"listen \[[0-9a-f:]+\]:", "listen [::1]:", text)
    (tmp_path / "nginx.conf").write_text(text)
    # The prod example serves route0 over HTTPS: nginx -t loads its certificate.
    tls = write_throwaway_tls(tmp_path / "tls")
    res = arm64(images["nginx"], "sh", "-c", "mkdir -p /run/nginx && nginx -t -c /etc/nginx/personal-as.conf",
                mounts={str(tmp_path / "nginx.conf"): "/etc/nginx/personal-as.conf", str(tls): TLS_DIR})
    assert "test is successful" in res.stderr, res.stderr


def test_krill_starts_and_answers_its_api(images, tmp_path):
    token = secrets.token_hex(16)
    conf = tmp_path / "krill.conf"
    conf.write_text(render_krill_conf(token, f"https://127.0.0.1:{KRILL_PORT}/"))
    conf.chmod(0o644)
    name = f"arm64-krill-{secrets.token_hex(4)}"
    subprocess.run(["docker", "run", "-d", "--name", name, "--platform", "linux/arm64", "--network", "none",
                    "-v", f"{conf}:/etc/krill/krill.conf:ro", "--entrypoint", "sh", images["krill"], "-c",
                    "mkdir -p /var/lib/krill && exec krill --config /etc/krill/krill.conf"],
                   check=True, capture_output=True)
    try:
        deadline, answer = time.monotonic() + 120, None
        while time.monotonic() < deadline:
            res = subprocess.run(["docker", "exec", "-e", f"KRILL_CLI_TOKEN={token}", "-e",
                                  f"KRILL_CLI_SERVER=https://127.0.0.1:{KRILL_PORT}/", "-e", "KRILL_CLI_FORMAT=json",
                                  name, "krillc", "info"], capture_output=True, text=True)
            if res.returncode == 0:
                answer = json.loads(res.stdout)
                break
            time.sleep(2)
        logs = subprocess.run(["docker", "logs", name], capture_output=True, text=True).stderr[-2000:]
        assert answer is not None, f"krill never answered krillc info:\n{logs}"
        assert answer["version"].startswith("0.16."), answer
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True)
