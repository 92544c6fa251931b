"""The stack's own CA signs only the names it is made for, and its
certificates are made again once 2/3 of their life has passed.

The constraint is checked by real OpenSSL: a certificate the CA's key signs
for any other name does not verify."""

from __future__ import annotations

import datetime
import subprocess

import pytest
from cryptography import x509

from components.providers import tls


def make_ca(permitted):
    return tls._CaProvider().create({"common_name": "personal-as test CA", "permitted": permitted}).outs


def issue(ca, names):
    return tls._CertProvider().create({"names": names, "ca_cert_pem": ca["cert_pem"],
                                       "ca_key_pem": ca["key_pem"]}).outs


def verifies(tmp_path, ca, cert) -> subprocess.CompletedProcess:
    (tmp_path / "ca.pem").write_text(ca["cert_pem"])
    (tmp_path / "cert.pem").write_text(cert["cert_pem"])
    return subprocess.run(["openssl", "verify", "-CAfile", tmp_path / "ca.pem", tmp_path / "cert.pem"],
                          capture_output=True, text=True)


@pytest.mark.parametrize("permitted, inside, outside", [
    (["lab"], ["rir.lab"], ["rir.example.net"]),
    (["lab"], ["acme.lab", "127.0.0.1"], ["lab.example.net"]),
    (["krill.example.net"], ["krill.example.net"], ["evil.example.net"]),
])
def test_the_ca_signs_only_its_own_names(tmp_path, permitted, inside, outside):
    ca = make_ca(permitted)
    constraints = x509.load_pem_x509_certificate(ca["cert_pem"].encode()).extensions.get_extension_for_class(
        x509.NameConstraints)
    assert constraints.critical
    good = verifies(tmp_path, ca, issue(ca, inside))
    assert good.returncode == 0, good.stdout + good.stderr
    bad = verifies(tmp_path, ca, issue(ca, outside))
    assert bad.returncode != 0 and "subtree violation" in bad.stdout + bad.stderr, bad.stdout + bad.stderr


def test_new_permitted_names_make_a_new_ca():
    olds = {"common_name": "c", "permitted": ["lab"]}
    assert tls._CaProvider().diff("c", olds, {**olds, "permitted": ["krill.example.net"]}).replaces == ["permitted"]


def test_a_certificate_is_made_again_after_two_thirds_of_its_life(monkeypatch):
    ca = make_ca(["lab"])
    cert = issue(ca, ["krill.home.lab"])
    props = {"names": ["krill.home.lab"], "ca_cert_pem": ca["cert_pem"], "ca_key_pem": ca["key_pem"]}
    olds = {**props, "cert_pem": cert["cert_pem"]}
    start = x509.load_pem_x509_certificate(cert["cert_pem"].encode()).not_valid_before_utc
    life = datetime.timedelta(days=tls.CERT_DAYS)
    for days_in, renewed in ((0, False), (549, False), (551, True), (900, True)):
        monkeypatch.setattr(tls, "_now", lambda d=days_in: start + datetime.timedelta(days=d))
        result = tls._CertProvider().diff("krill.home.lab", olds, props)
        assert bool(result.changes) is renewed, (days_in, life)
        assert (result.replaces == ["cert_pem"]) is renewed
