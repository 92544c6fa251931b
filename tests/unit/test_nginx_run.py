"""nginx's loop (images/nginx/nginx-run.sh), run with a stand-in nginx: a
new serial in any request file is one reload (after `nginx -t`), answered
for the stack's request; a config nginx -t refuses is answered `failed` and
never signalled; keys lego handed over are made root's, 0600; `alive` is
kept fresh; and nginx's exit is the loop's."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

LOOP = Path(__file__).resolve().parents[2] / "images/nginx/nginx-run.sh"

# A stand-in nginx: `-t` passes unless $FAKE/refuse exists; the daemon
# counts its SIGHUPs and ends when $FAKE/stop appears.
FAKE_NGINX = r'''#!/bin/sh
case " $* " in
  *" -t "*) [ -e "$FAKE/refuse" ] && { echo "nginx: [emerg] unknown directive" >&2; exit 1; }; exit 0 ;;
esac
trap 'echo hup >> "$FAKE/hups"' HUP
while [ ! -e "$FAKE/stop" ]; do sleep 0.1; done
exit 3
'''


def wait_for(check, seconds: float = 10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def loop(tmp_path):
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    (bin_ / "nginx").write_text(FAKE_NGINX)
    (bin_ / "nginx").chmod(0o755)
    run, keys = tmp_path / "run", tmp_path / "tls"
    run.mkdir()
    keys.mkdir()
    acme = tmp_path / "acme-reload"
    acme.write_text("1.0\n")  # an old request: the start itself answers it
    env = {**os.environ, "PATH": f"{bin_}:{os.environ['PATH']}", "FAKE": str(tmp_path), "NGINX_RUN_DIR": str(run),
           "NGINX_RELOAD_ON": f"{run}/reload-request {acme}", "NGINX_KEYS_DIR": str(keys), "NGINX_POLL_S": "0.2"}
    proc = subprocess.Popen(["bash", str(LOOP), "/etc/nginx/personal-as/nginx.conf"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert wait_for(lambda: (run / "alive").exists()), "the loop never looked"
    yield tmp_path, proc
    (tmp_path / "stop").touch()
    proc.wait(timeout=10)


def request(path: Path, serial: str) -> None:
    """A new serial, by rename, as the stack and the ACME client write it."""
    path.with_suffix(".new").write_text(serial + "\n")
    path.with_suffix(".new").rename(path)


def hups(d: Path) -> int:
    return (d / "hups").read_text().count("hup") if (d / "hups").exists() else 0


def test_each_new_request_is_one_reload_and_the_stacks_is_answered(loop):
    d, _ = loop
    time.sleep(0.6)
    assert hups(d) == 0, "a request from before the start is not a reload"
    request(d / "run/reload-request", "1733370000-42")
    assert wait_for(lambda: (d / "run/reloaded").exists() and (d / "run/reloaded").read_text() == "1733370000-42 ok\n")
    # The stand-in's trap runs once its own sleep ends: a moment later.
    assert wait_for(lambda: hups(d) == 1)
    request(d / "acme-reload", "2.0")  # the ACME client's
    assert wait_for(lambda: hups(d) == 2)
    time.sleep(0.6)
    assert hups(d) == 2, "a request is acted on once"


def test_a_config_nginx_refuses_is_answered_failed_and_nginx_keeps_running(loop):
    d, proc = loop
    (d / "refuse").touch()
    request(d / "run/reload-request", "7-1")
    assert wait_for(lambda: (d / "run/reloaded").exists() and (d / "run/reloaded").read_text() == "7-1 failed\n")
    assert hups(d) == 0 and proc.poll() is None


def test_keys_lego_hands_over_are_made_roots_before_a_reload(loop):
    d, _ = loop
    if os.geteuid() != 0:
        pytest.skip("chown to root needs root")
    key = d / "tls/route0.key"
    key.write_text("key\n")
    os.chown(key, 65534, 65534)
    key.chmod(0o640)
    request(d / "acme-reload", "3.0")
    assert wait_for(lambda: hups(d) == 1)
    st = key.stat()
    assert (st.st_uid, st.st_gid, oct(st.st_mode & 0o777)) == (0, 0, "0o600")


def test_alive_stays_fresh_and_nginx_ending_ends_the_loop_with_its_code(loop):
    d, proc = loop
    first = (d / "run/alive").stat().st_mtime
    assert wait_for(lambda: (d / "run/alive").stat().st_mtime > first, 2)
    (d / "stop").touch()
    assert proc.wait(timeout=10) == 3


def test_an_nginx_that_cannot_start_ends_the_loop_at_once_whatever_the_poll(tmp_path):
    """Its port taken, nginx exits: the container must end with it, not a
    poll later, or Docker's restart count would never show the crash loop."""
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    (bin_ / "nginx").write_text("#!/bin/sh\ncase \" $* \" in *\" -t \"*) exit 0 ;; esac\n"
                                "echo 'bind() failed (98: Address already in use)' >&2\nexit 1\n")
    (bin_ / "nginx").chmod(0o755)
    (tmp_path / "run").mkdir()
    env = {**os.environ, "PATH": f"{bin_}:{os.environ['PATH']}", "NGINX_RUN_DIR": str(tmp_path / "run"),
           "NGINX_POLL_S": "30"}
    start = time.monotonic()
    res = subprocess.run(["bash", str(LOOP), "/etc/nginx/personal-as/nginx.conf"], env=env, capture_output=True,
                         text=True, timeout=20)
    assert res.returncode == 1 and "Address already in use" in res.stderr
    assert time.monotonic() - start < 5
