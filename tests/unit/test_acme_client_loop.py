"""The ACME client's loop (images/acme/acme-client.sh), run against a
stand-in `lego`: it installs what lego obtains and reloads nginx, renews
with the configured days, registers again with a CA that forgot its
account, and reports failures in its status line."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

LOOP = Path(__file__).resolve().parents[2] / "images/acme/acme-client.sh"

# A stand-in lego: records its arguments, and behaves as FAKE_MODE says.
FAKE_LEGO = r'''#!/bin/sh
echo "$*" >> "$FAKE_DIR/calls"
path=""; while [ $# -gt 0 ]; do [ "$1" = --path ] && path=$2; shift; done
acct="$path/accounts/ca.example_443/noc@example.net"
mode=$(cat "$FAKE_DIR/mode")
case "$(tail -n1 "$FAKE_DIR/calls")" in
  *" renew "*)
    if [ "$mode" = forgot ]; then
      echo "acme: error: 400 :: urn:ietf:params:acme:error:accountDoesNotExist :: not found"; exit 1
    fi ;;
esac
if [ "$mode" = down ]; then echo "Could not create client: connection refused"; exit 1; fi
mkdir -p "$acct" "$path/certificates"
echo '{}' > "$acct/account.json"
n=$(wc -l < "$FAKE_DIR/calls")
echo "cert $n" > "$path/certificates/www.example.net.crt"
echo "key $n" > "$path/certificates/www.example.net.key"
'''
# The loop's sleep ends the test run after the first pass.
FAKE_SLEEP = '#!/bin/sh\necho "$1" >> "$FAKE_DIR/sleeps"\nkill -TERM $PPID\n'


@pytest.fixture
def env(tmp_path):
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    for name, text in (("lego", FAKE_LEGO), ("sleep", FAKE_SLEEP)):
        (bin_ / name).write_text(text)
        (bin_ / name).chmod(0o755)
    tls = tmp_path / "tls"
    tls.mkdir()
    conf = tmp_path / "acme.conf"
    conf.write_text(
        f"DIRECTORY=https://ca.example:443/dir\nEMAIL=noc@example.net\nDOMAIN=www.example.net\n"
        f"ACCOUNT_DIR=ca.example_443\nRENEW_DAYS=30\nCHECK_SECONDS=43200\nCERT_FILE={tls}/route0.crt\n"
        f"KEY_FILE={tls}/route0.key\nWEBROOT={tmp_path}/www\nNGINX_PID={tmp_path}/nginx.pid\nDIRECTORY_CA=\n")
    nginx = subprocess.Popen(["python3", "-c", "import signal,sys,time\n"
                              f"signal.signal(signal.SIGHUP, lambda *a: open('{tmp_path}/hup','a').write('hup\\n'))\n"
                              f"open('{tmp_path}/nginx.ready','w').close()\n"
                              "time.sleep(60)"])
    (tmp_path / "nginx.pid").write_text(f"{nginx.pid}\n")
    # Until the stand-in nginx has its handler, a SIGHUP would kill it: on a
    # loaded machine Python's start alone takes longer than any fixed sleep.
    deadline = time.monotonic() + 30
    while not (tmp_path / "nginx.ready").exists():
        assert time.monotonic() < deadline, "the stand-in nginx did not start"
        time.sleep(0.05)
    yield tmp_path
    nginx.kill()


def one_pass(d: Path, mode: str) -> None:
    (d / "mode").write_text(mode)
    subprocess.run(["sh", str(LOOP)], env={**os.environ, "PATH": f"{d}/bin:{os.environ['PATH']}", "FAKE_DIR": str(d),
                                           "ACME_CONF": str(d / "acme.conf"), "ACME_DATA": str(d / "data")},
                   capture_output=True, text=True, timeout=30)


def hups(d: Path, expected: int) -> str:
    """The stand-in nginx's reloads, once `expected` have arrived (its handler
    runs in its own process, a moment after the loop sent the signal), or
    after 5 s."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if (d / "hup").exists() and (d / "hup").read_text().count("hup") >= expected:
            break
        time.sleep(0.05)
    return (d / "hup").read_text() if (d / "hup").exists() else ""


def calls(d: Path) -> list[str]:
    return (d / "calls").read_text().splitlines()


def test_first_pass_obtains_installs_and_reloads_nginx(env):
    one_pass(env, "ok")
    assert " run" in calls(env)[-1] and "--http.webroot" in calls(env)[-1]
    assert (env / "tls/route0.crt").read_text() == "cert 1\n"
    assert oct((env / "tls/route0.key").stat().st_mode & 0o777) == "0o600"
    assert hups(env, 1) == "hup\n"
    assert (env / "data/status").read_text().startswith("ok ")
    assert (env / "sleeps").read_text().split() == ["43200"]


def test_later_pass_renews_with_the_configured_days_and_a_new_certificate_reloads(env):
    one_pass(env, "ok")
    one_pass(env, "ok")
    assert "renew --days 30" in calls(env)[-1]
    # A daily check leaves lego's random sleep in (it spreads a real CA's load).
    assert "--no-random-sleep" not in calls(env)[-1]
    assert (env / "tls/route0.crt").read_text() == "cert 2\n"
    assert hups(env, 2) == "hup\nhup\n"


def test_a_ca_that_forgot_the_account_gets_it_registered_again(env):
    one_pass(env, "ok")
    one_pass(env, "forgot")
    assert "renew" in calls(env)[-2] and " run" in calls(env)[-1]
    assert (env / "tls/route0.crt").read_text() == "cert 3\n"


def test_a_failure_is_reported_and_retried_in_60_s_not_at_the_next_check(env):
    one_pass(env, "down")
    status = (env / "data/status").read_text()
    assert status.startswith("error ") and "connection refused" in status
    assert (env / "sleeps").read_text().split() == ["60"]
    assert not (env / "tls/route0.crt").exists() and not (env / "hup").exists()
