"""route0 over HTTPS with a certificate from the lab's ACME CA (pebble on
host acme), fetched by the client with verification on."""

from __future__ import annotations

import pytest

from components.lab_plan import ACME_ADDRESS
from components.render.acme import ACME_STATUS
from tests.infra import route0, stack
from tests.infra.bird import wait_until


@pytest.fixture(autouse=True)
def _needs_acme(cfg):
    if not cfg.acme:
        pytest.skip("this stack has no acme section: route0 serves plain HTTP")


def test_client_fetches_route0_over_https_and_verifies_it(client, cfg):
    # No -k: the client's trust store holds pebble's root, which the stack put there.
    res = client.run(f"curl -fsS -m 5 https://{cfg.acme.route0_name}/")
    assert res.rc == 0, res.stderr
    assert f"route0 of AS{cfg.asn}" in res.stdout


def test_route0s_certificate_comes_from_the_acme_ca(client, cfg):
    cert = route0.served_certificate(client, cfg.acme.route0_name)
    assert cert["issuer"].startswith("CN=Pebble Intermediate CA"), cert
    assert cert["verify"] == "0 (ok)", cert


def test_client_without_pebbles_root_refuses_route0(client, cfg):
    """Verification is real: the same fetch trusting only Let's Encrypt's
    real root (and no CA directory) fails."""
    res = client.run(f"curl -fsS -m 5 --cacert /usr/share/ca-certificates/mozilla/ISRG_Root_X1.crt "
                     f"--capath /nonexistent https://{cfg.acme.route0_name}/")
    assert res.rc == 60, (res.rc, res.stderr)  # curl: peer certificate cannot be authenticated


def test_plain_http_redirects_to_https(client, cfg):
    name = cfg.acme.route0_name
    out = client.check_output(f"curl -sS -m 5 -o /dev/null -w '%{{http_code}} %{{redirect_url}}' http://{name}/a?b=1")
    assert out == f"301 https://{name}/a?b=1"


def test_acme_client_on_vps_reports_ok(vps, cfg):
    # An attempt that met a session being reset (a change just applied)
    # reports `error`, and the client tries again within a minute (sooner
    # with a shorter check_interval): ok by then, or the error is its state.
    def status() -> str:
        return vps.file(ACME_STATUS).content_string
    assert wait_until(lambda: status().startswith("ok "), min(cfg.acme.check_interval, 60) + 60), status()


def test_acme_ca_management_api_answers_on_its_own_loopback_only(acme, client):
    assert acme.run("curl -fsS -m 5 --cacert /etc/pebble/lab-ca.crt https://127.0.0.1:15000/roots/0").rc == 0
    res = client.run(f"curl -sS -m 5 https://[{ACME_ADDRESS}]:15000/roots/0")
    assert res.rc == 7, (res.rc, res.stderr)  # connection refused: nothing listens there


def test_krill_proxys_certificate_comes_from_the_acme_ca_where_the_stack_owns_homes_port_80(home, cfg):
    name, port = cfg.krill.public_name, cfg.krill.proxy.https_port
    if cfg.krill_by_acme:
        cert = route0.served_certificate(home, name, connect=f"127.0.0.1:{port}")
        assert cert["issuer"].startswith("CN=Pebble Intermediate CA"), cert
        assert cert["verify"] == "0 (ok)", cert
    else:
        # Another server holds home's :80 (or the proxy is on loopback only):
        # the stack's own CA stays. (curl: a home box has it, openssl maybe not.)
        out = home.check_output(f"curl -sSv -o /dev/null -m 5 --resolve {name}:{port}:127.0.0.1 "
                                f"--cacert /etc/nginx/tls/ca.crt https://{name}:{port}/health 2>&1")
        assert f"issuer: CN=personal-as {stack.STACK} CA" in out, out
