"""The RPKI exchange scripts (components/render/rpki.py): valid POSIX sh in
both variants, and, once the pinned Krill is built, the whole chain run for
real with krillc against two krill processes on loopback: a testbed Krill
(the RIR, with the LIR under it) and the user's own Krill.

Every step runs twice: Pulumi re-runs them, so the second run must converge.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

import pytest

from components.render.rpki import (
    KrillCli, Resources, ca_request, ca_set_contact, lir_setup, parent_add_child, parent_handle, pubd_add_publisher,
    aspa_lines, aspas_apply, roas_apply, roas_json,
)
from components.stack import krill_binaries

KRILL = krill_binaries()
HAVE_KRILL = all(Path(p).is_file() for p in KRILL.values())
RES = Resources(asn="AS65536", ipv6="2001:db8:100::/48")


def every_script(cli: KrillCli) -> list[str]:
    return [
        lir_setup(cli, "lir", "testbed", RES), ca_request(cli, "me", "child"), ca_request(cli, "me", "publisher"),
        parent_add_child(cli, "lir", "me", RES), pubd_add_publisher(cli, "me"),
        ca_set_contact(cli, "me", "parents", parent="lir"), ca_set_contact(cli, "me", "parents", parent="lir", wait=False),
        ca_set_contact(cli, "me", "repo"), roas_apply(cli, "me"), roas_apply(cli, "me", check_only=True),
        aspas_apply(cli, "me"), aspas_apply(cli, "me", check_only=True),
    ]


def code(script: str) -> str:
    """The script without its comment lines."""
    return "\n".join(line for line in script.splitlines() if not line.lstrip().startswith("#"))


@pytest.mark.parametrize("cli", [KrillCli(), KrillCli(container="vmlab-home-krill")], ids=["lab", "docker"])
def test_scripts_parse_and_use_nothing_but_krillc(cli):
    for script in every_script(cli):
        check = subprocess.run(["sh", "-n"], input=script, text=True, capture_output=True)
        assert check.returncode == 0, check.stderr
        for banned in ("curl", "python3", "jq", "/api/v1"):
            assert banned not in code(script)


def test_lab_variant_runs_krillc_on_the_host():
    script = roas_apply(KrillCli(), "me")
    assert "docker" not in code(script)
    assert "kc_in() { krillc \"$@\"; }" in script
    assert "KRILL_CLI_SERVER=https://127.0.0.1:3000/" in script
    assert "sed -n 's/^admin_token = \"\\(.*\\)\"$/\\1/p' /etc/krill/krill.conf" in script


def test_docker_variant_reads_the_token_inside_the_container():
    script = roas_apply(KrillCli(container="vmlab-home-krill"), "me")
    # Only the server, the format and krill.conf's path go on docker's command
    # line; the token is read by the container's own sh, from the container's
    # own krill.conf, whose path reaches that sh as data (an environment
    # variable), never spliced into its script.
    # As the uid that owns krill.conf on the host: Krill's, not the image's user's.
    assert "krill_owner=$(stat -c %u:%g /etc/krill/krill.conf)" in script
    assert ("docker exec -i -u \"$krill_owner\" -e KRILL_CLI_SERVER=https://127.0.0.1:3000/ -e KRILL_CLI_FORMAT=text "
            "-e KRILL_CONF=/etc/krill/krill.conf \\\n    vmlab-home-krill sh -c '") in script
    assert "-e KRILL_CLI_TOKEN" not in script
    inner = script.split("sh -c '", 1)[1].split("' krillc \"$@\"", 1)[0]
    assert 'KRILL_CLI_TOKEN=$(sed -n "s/^admin_token = \\"\\(.*\\)\\"$/\\1/p" "$KRILL_CONF")' in inner
    assert 'exec krillc "$@"' in inner
    # Files reach krillc on stdin, since the host's paths are not the container's.
    assert "roas update --ca me --delta /dev/stdin <\"$tmp/delta\"" in script


def test_names_and_resources_are_quoted_for_the_shell():
    script = parent_add_child(KrillCli(), "lir", "a b", Resources(asn="AS1", ipv6="2001:db8::/48, 2001:db8:1::/48"))
    assert "--child 'a b' --asn AS1 --ipv6 '2001:db8::/48, 2001:db8:1::/48' --request /dev/stdin" in script
    with pytest.raises(ValueError):
        KrillCli(conf="/etc/krill/x'; rm -rf /")


def test_roas_are_lines_in_krillc_notation():
    text = roas_json([(65536, "2001:DB8:100:0::/48", 48), (64496, "192.0.2.0/24", 24)])
    assert text == "192.0.2.0/24-24 => 64496\n2001:db8:100::/48-48 => 65536\n"


def test_parent_handle_comes_from_the_response():
    assert parent_handle('<parent_response xmlns="x" version="1" parent_handle="ripe-ncc" child_handle="me"/>') \
        == "ripe-ncc"
    assert parent_handle("<parent_response/>") == "parent"
    assert parent_handle("not xml") == "parent"


# ---- for real, with the pinned Krill ---------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Krill:
    """One krill on 127.0.0.1, in its own directory; testbed mode makes it
    the RIR (embedded TA, CA `testbed`, publication server)."""

    def __init__(self, root: Path, token: str, testbed: bool):
        self.port, self.token, self.root = free_port(), token, root
        # A parent refuses addresses in a child's URIs; Krill trusts any
        # certificate on localhost, as krillc does on 127.0.0.1.
        url = f"https://localhost:{self.port}/"
        root.mkdir()
        conf = [
            'ip = "127.0.0.1"', f"port = {self.port}", f'storage_uri = "{root}/data/"', f'service_uri = "{url}"',
            f'admin_token = "{token}"', 'https_mode = "generate"', 'log_type = "stderr"', 'log_level = "info"',
            "bgp_riswhois_enabled = false",
            # Two krills on one machine: not both on the default socket.
            "unix_socket_enabled = false",
        ]
        if testbed:
            # rsync URIs are never fetched here, but a parent refuses a bare
            # `localhost` in them, as it refuses any address.
            conf += ["[testbed]", f'rrdp_base_uri = "{url}rrdp/"', 'rsync_jail = "rsync://rir.lab/repo/"',
                     'ta_aia = "rsync://rir.lab/ta/ta.cer"', f'ta_uri = "{url}ta/ta.cer"']
        (root / "krill.conf").write_text("\n".join(conf) + "\n")
        self.cli = KrillCli(url=f"https://127.0.0.1:{self.port}/", conf=str(root / "krill.conf"))
        self.log = root / "krill.log"
        with self.log.open("w") as log:
            self.proc = subprocess.Popen([KRILL["krill"], "--config", str(root / "krill.conf")],
                                         stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def krills(tmp_path):
    started = []
    try:
        started.append(Krill(tmp_path / "rir", "rir-token-0123456789", testbed=True))
        started.append(Krill(tmp_path / "home", "home-token-0123456789", testbed=False))
        yield started
    finally:
        for krill in started:
            krill.stop()


# Stands in for `docker exec -i -u UID:GID -e K=V... <container> cmd...`: runs
# cmd here with that environment, and logs its arguments.
FAKE_DOCKER = """#!/bin/sh
set -eu
printf '%s\\n' "$*" >>"$0.log"
[ "$1" = exec ] && shift
while :; do
  case "$1" in
    -i) shift ;;
    -u) shift 2 ;;
    -e) export "$2" && shift 2 ;;
    *) break ;;
  esac
done
[ "$1" = home-krill ] && shift
exec "$@"
"""


def run(script: str, stdin: str = "", check: int = 0, *krills: Krill) -> str:
    """Run a rendered script as Pulumi would (sh, input on stdin), with krillc
    (and a stand-in docker) on PATH; return its stdout. The admin tokens must
    show up nowhere."""
    path = f"{Path(KRILL['krillc']).parent}:{krills[0].root.parent / 'bin'}:{os.environ['PATH']}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KRILL_CLI_")} | {"PATH": path}
    done = subprocess.run(["sh", "-c", script], input=stdin, text=True, capture_output=True, env=env, timeout=200)
    logs = "".join(f"\n--- {k.log}:\n" + k.log.read_text()[-3000:] for k in krills)
    assert done.returncode == check, f"rc={done.returncode}\n{done.stdout}\n{done.stderr}{logs}"
    for krill in krills:
        assert krill.token not in done.stdout + done.stderr
    return done.stdout


def twice(script: str, stdin: str = "", *krills: Krill) -> tuple[str, str]:
    return run(script, stdin, 0, *krills), run(script, stdin, 0, *krills)


def krillc(krill: Krill, *args: str) -> str:
    env = {**os.environ, "KRILL_CLI_TOKEN": krill.token, "KRILL_CLI_SERVER": krill.cli.url}
    return subprocess.run([KRILL["krillc"], *args], env=env, text=True, capture_output=True, check=True).stdout


@pytest.mark.skipif(not HAVE_KRILL, reason=f"the pinned Krill is not built ({KRILL['krill']}): "
                                           "bash scripts/install-krill.sh")
def test_the_whole_chain_against_real_krill(krills):
    rir, home = krills
    both = (rir, home)
    t0 = time.monotonic()
    # The RIR side: LIR `lir` under testbed, publishing in its repository.
    twice(lir_setup(rir.cli, "lir", "testbed", Resources(asn="AS64496-AS65551", ipv6="2001:db8::/32")), "", *both)
    # Child request (XML) -> parent response: the same request every time.
    first, again = twice(ca_request(home.cli, "me", "child"), "", *both)
    assert first == again and first.startswith("<child_request ") and 'child_handle="me"' in first
    response, _ = twice(parent_add_child(rir.cli, "lir", "me", RES), first, *both)
    assert response.startswith("<parent_response ") and parent_handle(response) == "lir"
    twice(ca_set_contact(home.cli, "me", "parents", parent="lir"), response, *both)
    # Publisher request -> repository response.
    pub, _ = twice(ca_request(home.cli, "me", "publisher"), "", *both)
    assert pub.startswith("<publisher_request ")
    repo, _ = twice(pubd_add_publisher(rir.cli, "me"), pub, *both)
    assert repo.startswith("<repository_response ")
    twice(ca_set_contact(home.cli, "me", "repo"), repo, *both)
    assert "Total resources:\n" in krillc(home, "show", "--ca", "me")
    t_chain = time.monotonic() - t0

    # ROAs: two added, then the same set again is no change.
    a, b = (65536, "2001:db8:100::/48", 48), (65536, "2001:db8:100:1::/64", 64)
    out, again = twice(roas_apply(home.cli, "me"), roas_json([a, b]), *both)
    assert "A: 2001:db8:100::/48-48 => 65536" in out and "A: 2001:db8:100:1::/64-64 => 65536" in out
    assert again.strip() == "ROAs in sync"
    run(roas_apply(home.cli, "me", check_only=True), roas_json([a, b]), 0, *both)
    # One removed: a delta with only that removal.
    out, again = twice(roas_apply(home.cli, "me"), roas_json([a]), *both)
    assert "R: 2001:db8:100:1::/64-64 => 65536" in out and "A: " not in out
    assert again.strip() == "ROAs in sync"
    assert krillc(home, "roas", "list", "--ca", "me").split("\n")[0] == "2001:db8:100::/48-48 => 65536"
    # A ROA added behind the stack's back (no max length: Krill's shorthand)
    # is drift; the next apply takes it out again.
    krillc(home, "roas", "update", "--ca", "me", "--add", "2001:db8:100:2::/64 => 65536")
    drift = run(roas_apply(home.cli, "me", check_only=True), roas_json([a]), 1, *both)
    assert "R: 2001:db8:100:2::/64-64 => 65536" in drift
    assert "R: 2001:db8:100:2::/64-64 => 65536" in run(roas_apply(home.cli, "me"), roas_json([a]), 0, *both)
    run(roas_apply(home.cli, "me", check_only=True), roas_json([a]), 0, *both)
    # New resources from the parent, and at once a ROA in them: the apply
    # waits for the certificate (Krill's "not held" answer) and then succeeds.
    more = Resources(asn="AS65536", ipv6="2001:db8:100::/48, 2001:db8:200::/48")
    run(parent_add_child(rir.cli, "lir", "me", more), first, 0, *both)
    c = (65536, "2001:db8:200::/48", 48)
    assert "A: 2001:db8:200::/48-48 => 65536" in run(roas_apply(home.cli, "me"), roas_json([a, c]), 0, *both)
    run(roas_apply(home.cli, "me", check_only=True), roas_json([a, c]), 0, *both)

    # The ASPA: none yet is drift; made, then the same again is no change.
    one, two = aspa_lines(65536, (64496,)), aspa_lines(65536, (64497, 64496))
    assert two == "AS65536 => AS64496, AS64497\n"
    assert "AS65536 => AS64496" in run(aspas_apply(home.cli, "me", check_only=True), one, 1, *both)
    out, again = twice(aspas_apply(home.cli, "me"), one, *both)
    assert "ASPAs applied" in out and again.strip() == "ASPAs in sync"
    assert krillc(home, "aspas", "list", "--ca", "me").strip() == "AS65536 => AS64496"
    # A provider more: the definition is replaced whole.
    twice(aspas_apply(home.cli, "me"), two, *both)
    assert krillc(home, "aspas", "list", "--ca", "me").strip() == two.strip()
    # A provider taken out behind the stack's back is drift, and put back.
    krillc(home, "aspas", "update", "--ca", "me", "--customer", "AS65536", "--remove", "AS64497")
    drift = run(aspas_apply(home.cli, "me", check_only=True), two, 1, *both)
    assert "Krill holds:\n  AS65536 => AS64496\n" in drift
    run(aspas_apply(home.cli, "me"), two, 0, *both)
    run(aspas_apply(home.cli, "me", check_only=True), two, 0, *both)
    # Deleted behind its back: drift too, and made again.
    krillc(home, "aspas", "remove", "--ca", "me", "--customer", "AS65536")
    run(aspas_apply(home.cli, "me", check_only=True), two, 1, *both)
    run(aspas_apply(home.cli, "me"), two, 0, *both)
    assert krillc(home, "aspas", "list", "--ca", "me").strip() == two.strip()

    # The same through `docker exec` (a stand-in that runs krillc here): the
    # quoting, the token read by the inner sh, files passed on stdin.
    bin_dir = rir.root.parent / "bin"
    bin_dir.mkdir()
    (bin_dir / "docker").write_text(FAKE_DOCKER)
    (bin_dir / "docker").chmod(0o755)
    docker = KrillCli(container="home-krill", url=home.cli.url, conf=home.cli.conf)
    assert run(ca_request(docker, "me", "child"), "", 0, *both) == first
    twice(ca_set_contact(docker, "me", "repo"), repo, *both)
    assert run(roas_apply(docker, "me", check_only=True), roas_json([a]), 1, *both).startswith("drift: the CA's ROAs differ")
    assert "R: 2001:db8:200::/48-48 => 65536" in run(roas_apply(docker, "me"), roas_json([a]), 0, *both)
    run(roas_apply(docker, "me", check_only=True), roas_json([a]), 0, *both)
    run(aspas_apply(docker, "me", check_only=True), two, 0, *both)
    argv = (bin_dir / "docker.log").read_text()
    # As krill.conf's owner (here the test's own user), never with the token.
    conf = Path(home.cli.conf).stat()
    assert f"exec -i -u {conf.st_uid}:{conf.st_gid} " in argv and home.token not in argv
    print(f"chain to the user's certificate: {t_chain:.1f}s; with ROAs: {time.monotonic() - t0:.1f}s")
