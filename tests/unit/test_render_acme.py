"""ACME renders: the client's config, lego's account paths, pebble's config,
and the stand-in certificate nginx starts with."""

from __future__ import annotations

import json
import os
import subprocess

from components.config import validate
from components.render.acme import (
    PEBBLE_VALIDITY_SECONDS, account_key_path, placeholder_script, render_acme_client_conf, render_pebble_config,
    wait_issued_script,
)
from components.render.nginx import route0_url
from tests.unit.test_config import LAB_RAW, LAB_SECRETS, PROD_RAW, PROD_SECRETS, with_change
from tests.unit.test_render import check_golden


def lab():
    return validate(LAB_RAW, LAB_SECRETS)


def prod():
    return validate(PROD_RAW, PROD_SECRETS, check_files=False, placeholders_ok=True)


def test_client_conf_matches_golden(update_golden):
    cfg = lab()
    text = render_acme_client_conf(cfg.acme, "route0.lab", "/etc/nginx/tls/route0.crt", "/etc/nginx/tls/route0.key",
                                   private_directory=True)
    check_golden("lab-acme-client.conf", text, update_golden)


def test_client_conf_is_shell_the_loop_can_source(tmp_path):
    cfg = prod()
    conf = tmp_path / "acme.conf"
    conf.write_text(render_acme_client_conf(cfg.acme, cfg.acme.route0_name, "/c", "/k", private_directory=False))
    out = subprocess.run(["sh", "-c", f'. {conf}; echo "$DIRECTORY|$EMAIL|$DOMAIN|$ACCOUNT_DIR|$DIRECTORY_CA|"'],
                         capture_output=True, text=True, check=True).stdout
    assert out == ("https://acme-v02.api.letsencrypt.org/directory|noc@example.net|www.example.net|"
                   "acme-v02.api.letsencrypt.org||\n")


def test_account_key_is_where_lego_looks_for_it():
    # lego: <path>/accounts/<directory host:port with ':' as '_'>/<email>/keys/<email>.key
    assert account_key_path("https://acme.lab:14000/dir", "a@example.net") == \
        "/var/lib/personal-as/acme/accounts/acme.lab_14000/a@example.net/keys/a@example.net.key"


def test_pebble_validates_on_port_80_and_keeps_management_on_loopback():
    conf = json.loads(render_pebble_config("/etc/pebble/tls.crt", "/etc/pebble/tls.key"))["pebble"]
    assert conf["httpPort"] == 80
    assert conf["managementListenAddress"] == "127.0.0.1:15000"
    # Over the 14 days an expiry alert looks ahead, and not a whole number of
    # days, so renew_days 14 renews each certificate 40 s after issuance.
    assert conf["certificateValidityPeriod"] == PEBBLE_VALIDITY_SECONDS > 14 * 86400


def test_placeholder_is_made_once_and_kept(tmp_path):
    crt, key = tmp_path / "tls/route0.crt", tmp_path / "tls/route0.key"
    script = placeholder_script(str(crt), str(key), "route0.lab")
    first = subprocess.run(["sh", "-c", script], capture_output=True, text=True, check=True).stdout
    made = crt.read_bytes()
    again = subprocess.run(["sh", "-c", script], capture_output=True, text=True, check=True).stdout
    assert (first, again) == ("placeholder\n", "present\n")
    assert crt.read_bytes() == made, "a certificate already there (the CA's) must never be replaced"
    subject = subprocess.run(["openssl", "x509", "-noout", "-subject", "-in", str(crt)], capture_output=True,
                             text=True, check=True).stdout
    assert "waiting for ACME" in subject
    assert oct(key.stat().st_mode & 0o777) == "0o600"


def test_wait_asks_for_a_fresh_certificate_and_names_the_clients_last_status_on_timeout(tmp_path):
    script = wait_issued_script("route0.lab", str(tmp_path / "route0.crt"), 2)
    script = script.replace("/var/lib/personal-as/acme", str(tmp_path)).replace("/run/personal-as-acme", str(tmp_path))
    (tmp_path / "certificates").mkdir()
    (tmp_path / "certificates/route0.lab.crt").write_text("from a CA that is gone\n")
    # A stand-in client: asked to try now (the wake file its loop looks
    # for), it takes the request and reports a failure.
    client = subprocess.Popen(["sh", "-c", f"while [ ! -e {tmp_path}/wake ]; do sleep 0.05; done; "
                               f"rm {tmp_path}/wake; echo woken >> {tmp_path}/pokes; "
                               f"echo 'error 2026-11-29T00:00:00Z route0.lab: connection refused' > {tmp_path}/status"])
    try:
        res = subprocess.run(["sh", "-c", script], capture_output=True, text=True)
    finally:
        client.kill()
    assert res.returncode == 1
    assert "no certificate for route0.lab" in res.stderr and "connection refused" in res.stderr
    assert not (tmp_path / "certificates/route0.lab.crt").exists(), "the old CA's certificate must be obtained anew"
    assert (tmp_path / "pokes").read_text() == "woken\n"


def test_route0_url_is_https_by_name_with_acme_and_plain_without():
    assert route0_url(lab()) == "https://route0.lab/"
    assert route0_url(validate(with_change(LAB_RAW, ("acme",), None, delete=True), LAB_SECRETS)) == \
        "http://[2001:db8:100::80]/"


def test_account_key_is_the_sec1_pem_lego_loads():
    from components.providers.secrets import _EcKeyProvider

    pem = _EcKeyProvider().create({"purpose": "acme-account"}).outs["private_key"]
    assert pem.startswith("-----BEGIN EC PRIVATE KEY-----\n")


def test_trusted_roots_diff_with_a_host_not_known_yet_is_a_change_not_an_error():
    from components.providers.acme_roots import _TrustedRootsProvider

    class Unknown:  # what the engine hands a provider for a value not known yet
        pass

    olds = {"source": {"host": "a"}, "targets": [{"host": "b"}], "fetch": "x"}
    for news in ({**olds, "targets": Unknown()}, {**olds, "source": Unknown()}, {**olds, "targets": [Unknown()]}):
        assert _TrustedRootsProvider().diff("id", olds, news).changes is True


def test_trusted_roots_reinstall_the_last_roots_seen_so_older_certificates_still_verify(monkeypatch):
    from components.providers import acme_roots

    installed: list[tuple[str, str]] = []
    monkeypatch.setattr(acme_roots, "_fetch", lambda props: "ROOT-NEW")
    monkeypatch.setattr(acme_roots, "run", lambda conn, cmd, stdin, timeout: installed.append((conn["host"], stdin)))
    props = {"source": {"host": "acme"}, "targets": [{"host": "client"}], "fetch": "x"}
    olds = {**props, "roots": ["ROOT-1", "ROOT-2", "ROOT-3", "ROOT-4"]}
    outs = acme_roots._TrustedRootsProvider().update("id", olds, props).outs
    # The newest last (it is the newest file), and no more than four.
    assert outs["roots"] == ["ROOT-2", "ROOT-3", "ROOT-4", "ROOT-NEW"]
    assert installed == [("client", r) for r in outs["roots"]]
