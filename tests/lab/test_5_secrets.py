"""Secrets stay secret: after the lab is up, the BGP password, the Krill
admin tokens and the TLS and SSH private keys appear nowhere but in the
files the daemons need (mode 0600, owned by the daemon's user)."""

from __future__ import annotations

import json
import subprocess
import time

import pytest

from components.render.acme import account_key_path
from tests.infra.stack import STACK
from tests.lab.conftest import ROOT, docker_lines, pulumi

TOKEN_LINE = "sed -n 's/^admin_token = \"\\(.*\\)\"$/\\1/p' /etc/krill/krill.conf"


def pem_body_line(pem: str) -> str:
    """A distinctive line of a PEM or OpenSSH key: its first base64 line."""
    return [line for line in pem.splitlines() if line and not line.startswith("-----")][0]


@pytest.fixture(scope="module")
def secrets(lab_is_up, home, rir, vps, cfg) -> dict[str, str]:
    config = json.loads(pulumi("config", "--json", "--show-secrets").stdout)
    upstreams = json.loads(config["personal-as:upstreams"]["value"])
    outputs = json.loads(pulumi("stack", "output", "--json", "--show-secrets").stdout)
    found = {
        "bgp password": upstreams[0]["password"],
        "home krill token": outputs["krill_admin_token"],
        "rir krill token": rir.check_output(TOKEN_LINE),
        "ssh private key": pem_body_line(outputs["ssh_private_key"]),
        "home tls key": pem_body_line(home.check_output("cat /etc/nginx/tls/krill.key")),
        "rir tls key": pem_body_line(rir.check_output("cat /var/lib/krill/data/ssl/key.pem")),
        "acme account key": pem_body_line(vps.check_output(
            f"cat {account_key_path(cfg.acme.directory, cfg.acme.email)}")),
        "route0 tls key": pem_body_line(vps.check_output("cat /etc/nginx/tls/route0.key")),
    }
    if cfg.monitoring:
        # An OpenSSH key's first base64 line is the same for every ed25519
        # key; its third holds key material.
        tunnel_key = home.check_output("cat /etc/personal-as/metrics/tunnel-key").splitlines()
        found["metrics tunnel key"] = [line for line in tunnel_key if line and not line.startswith("-----")][2]
        found["status page password"] = outputs["status_password"]
    if cfg.backup:
        found["backup password"] = cfg.backup.password.get_secret_value()
        tunnel_key = home.check_output("cat /etc/personal-as/backup/tunnel-key").splitlines()
        found["backup tunnel key"] = [line for line in tunnel_key if line and not line.startswith("-----")][2]
    if cfg.irr:
        found["irr maintainer password"] = cfg.irr.maintainer.password.get_secret_value()
        found["irr override password"] = state_output("irr-override", "value")
    assert all(len(v) >= 16 for v in found.values()), "a secret too short to search for reliably"
    return found


def state_output(resource: str, key: str) -> str:
    """A secret a resource made and keeps only in the state (decrypted)."""
    state = json.loads(pulumi("stack", "export", "--show-secrets").stdout)
    [res] = [r for r in state["deployment"]["resources"] if r["urn"].endswith(f"::{resource}")]
    value = res["outputs"][key]
    return value["plaintext"].strip('"') if isinstance(value, dict) else value


def hits(text: str, secrets: dict[str, str]) -> list[str]:
    return [name for name, value in secrets.items() if value in text]


def test_repo_and_gitignored_folders_hold_no_plaintext_secret(secrets):
    leaks = []
    for path in ROOT.rglob("*"):
        if ".venv" in path.parts or not path.is_file() or path.stat().st_size > 50_000_000:
            continue
        leaks += [f"{path.relative_to(ROOT)}: {n}" for n in hits(path.read_bytes().decode(errors="ignore"), secrets)]
    assert leaks == []


def test_pulumi_state_holds_no_plaintext_secret(secrets):
    state = pulumi("stack", "export").stdout
    assert hits(state, secrets) == []


def docker(*args: str) -> str:
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=True).stdout


def lab_containers() -> list[str]:
    return docker_lines("ps", "-aq", "--filter", f"label=personal-as.stack={STACK}")


def test_container_env_labels_and_commands_hold_no_secret(secrets):
    inspect = docker("inspect", *lab_containers())
    assert hits(inspect, secrets) == []


def test_image_layers_hold_no_secret(secrets):
    images = {line for line in docker("images", "--format", "{{.Repository}}:{{.Tag}}").split()
              if line.startswith("personal-as/")}
    for image in images:
        assert hits(docker("history", "--no-trunc", image), secrets) == [], image


def test_container_logs_hold_no_secret(secrets):
    for cid in lab_containers():
        logs = subprocess.run(["docker", "logs", cid], capture_output=True, text=True)
        assert hits(logs.stdout + logs.stderr, secrets) == [], cid


def test_pulumi_up_output_holds_no_secret(secrets):
    up = pulumi("up", "--yes", "--diff")
    assert hits(up.stdout + up.stderr, secrets) == []


@pytest.mark.parametrize("host,path,owner", [
    ("vps", "/etc/bird/bird.conf", "bird"),
    ("transit", "/etc/bird/bird.conf", "bird"),
    ("home", "/etc/krill/krill.conf", "krill"),
    ("home", "/etc/nginx/tls/krill.key", "root"),
    ("rir", "/etc/krill/krill.conf", "krill"),
    ("rir", "/var/lib/krill/data/ssl/key.pem", "krill"),
    ("vps", "/etc/nginx/tls/route0.key", "root"),
    ("home", "/etc/personal-as/metrics/tunnel-key", "root"),
    ("home", "/etc/personal-as/metrics/alertmanager.yml", "root"),
    ("home", "/etc/personal-as/metrics/krill-token", "root"),
    # The backup repository's password and the backup tunnel's key.
    ("home", "/etc/personal-as/backup/password", "root"),
    ("home", "/etc/personal-as/backup/tunnel-key", "root"),
    # lego reads it as the host's acme user (it runs as nothing else).
    ("vps", account_key_path("https://acme.lab:14000/dir", "hostmaster@example.net"), "acme"),
])
def test_secret_files_on_hosts_are_0600_and_owned_by_their_daemon(request, host, path, owner):
    f = request.getfixturevalue(host).file(path)
    if path.startswith("/etc/nginx/tls/"):
        # A key lego hands over (the lab renews every 40 s) is the acme
        # user's until nginx's loop next looks (every 2 s) and makes it root's
        # before it reloads: read again for a few of those looks. (On a
        # loaded CI machine 8 s were once not enough: the loop's look, its
        # `nginx -t` and the reload all wait for CPU.)
        deadline = time.monotonic() + 30
        while (f.mode, f.user) != (0o600, owner) and time.monotonic() < deadline:
            time.sleep(0.5)
    assert (f.mode, f.user) == (0o600, owner)
