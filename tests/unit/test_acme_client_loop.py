"""The ACME client's loop (images/acme/acme-client.sh), run against a
stand-in `lego`: it installs what lego obtains and asks nginx to reload,
renews with the configured days, registers again with a CA that forgot its
account, reports failures in its status line, and answers the stack's
requests (try now, start again)."""

from __future__ import annotations

import os
import subprocess
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
    (tmp_path / "tls").mkdir()
    (tmp_path / "run").mkdir()
    conf = tmp_path / "acme.conf"
    tls = tmp_path / "tls"
    conf.write_text(
        f"DIRECTORY=https://ca.example:443/dir\nEMAIL=noc@example.net\nDOMAIN=www.example.net\n"
        f"ACCOUNT_DIR=ca.example_443\nRENEW_DAYS=30\nCHECK_SECONDS=43200\nCERT_FILE={tls}/route0.crt\n"
        f"KEY_FILE={tls}/route0.key\nWEBROOT={tmp_path}/www\nRUN={tmp_path}/run\nDIRECTORY_CA=\n")
    return tmp_path


def one_pass(d: Path, mode: str) -> str:
    """One pass of the loop (the stand-in sleep ends it); its output."""
    (d / "mode").write_text(mode)
    return subprocess.run(["bash", str(LOOP)], env={**os.environ, "PATH": f"{d}/bin:{os.environ['PATH']}",
                                                  "FAKE_DIR": str(d), "ACME_CONF": str(d / "acme.conf"),
                                                  "ACME_DATA": str(d / "data"), "ACME_STAY": "1",
                                                  "ACME_PAUSE": "sleep"},
                          capture_output=True, text=True, timeout=30).stdout


def reload_requests(d: Path, seen: set[str]) -> set[str]:
    """The serials the loop has written for nginx, gathered across passes."""
    request = d / "run/reload-nginx"
    if request.exists():
        seen.add(request.read_text())
    return seen


def calls(d: Path) -> list[str]:
    return (d / "calls").read_text().splitlines()


def test_first_pass_obtains_installs_and_asks_nginx_to_reload(env):
    out = one_pass(env, "ok")
    assert " run" in calls(env)[-1] and "--http.webroot" in calls(env)[-1]
    assert (env / "tls/route0.crt").read_text() == "cert 1\n"
    assert oct((env / "tls/route0.key").stat().st_mode & 0o777) == "0o600"
    assert len(reload_requests(env, set())) == 1
    assert (env / "data/status").read_text().startswith("ok ")
    assert "next look in 43200 s" in out


def test_later_pass_renews_with_the_configured_days_and_a_new_certificate_asks_again(env):
    seen = reload_requests(env, set())
    one_pass(env, "ok")
    reload_requests(env, seen)
    one_pass(env, "ok")
    assert "renew --days 30" in calls(env)[-1]
    # A daily check leaves lego's random sleep in (it spreads a real CA's load).
    assert "--no-random-sleep" not in calls(env)[-1]
    assert (env / "tls/route0.crt").read_text() == "cert 2\n"
    assert len(reload_requests(env, seen)) == 2, "each new certificate is a new request"


def test_an_unchanged_certificate_asks_nothing(env):
    one_pass(env, "ok")
    first = reload_requests(env, set())
    (env / "tls/route0.crt").write_text("cert 2\n")  # what the next pass obtains: already installed
    one_pass(env, "ok")
    assert reload_requests(env, set()) == first
    assert (env / "data/status").read_text().split()[2:] == ["www.example.net", "is", "current"]


def test_the_stacks_requests_end_the_nap_try_now_or_start_again(env):
    (env / "bin/sleep").write_text('#!/bin/sh\necho "$1" >> "$FAKE_DIR/sleeps"\n')  # a nap that passes
    (env / "run/wake").write_text("1\n")
    (env / "acme.conf").write_text((env / "acme.conf").read_text().replace("CHECK_SECONDS=43200", "CHECK_SECONDS=6"))
    # woken once (a second pass), then asked to start again: the loop exits 0
    # and Docker starts it with the new config.
    (env / "bin/lego").write_text((env / "bin/lego").read_text() + 'n=$(wc -l < "$FAKE_DIR/calls")\n'
                                   '[ "$n" -ge 2 ] && echo 1 > "$FAKE_DIR/run/restart"\nexit 0\n')
    out = one_pass(env, "ok")
    assert "asked to try now" in out and "asked to start again with a new config" in out
    assert len(calls(env)) == 2
    assert not (env / "run/wake").exists() and not (env / "run/restart").exists()


def test_a_ca_that_forgot_the_account_gets_it_registered_again(env):
    one_pass(env, "ok")
    one_pass(env, "forgot")
    assert "renew" in calls(env)[-2] and " run" in calls(env)[-1]
    assert (env / "tls/route0.crt").read_text() == "cert 3\n"


def test_a_failure_is_reported_and_retried_in_60_s_not_at_the_next_check(env):
    out = one_pass(env, "down")
    status = (env / "data/status").read_text()
    assert status.startswith("error ") and "connection refused" in status
    assert "next look in 60 s" in out
    assert not (env / "tls/route0.crt").exists() and not (env / "run/reload-nginx").exists()
