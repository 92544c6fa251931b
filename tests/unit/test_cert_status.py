"""The certificates' expiry (images/metrics/cert-status.py): from Krill's
API answers as Krill 0.16 gives them, and a source that cannot be read
reported as such."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "images/metrics/cert-status.py"
spec = importlib.util.spec_from_file_location("cert_status", SCRIPT)
cert_status = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cert_status)

# The shape of GET /api/v1/cas/{ca} during a key roll (trimmed).
CA = {"handle": "personal", "resource_classes": {"0": {"keys": {"roll_new": {
    "active_key": {"incoming_cert": {"validity": {"not_after": "2027-11-29T05:46:32Z"}}},
    "new_key": {"incoming_cert": {"validity": {"not_after": "2027-11-30T00:00:00Z"}}},
}}}}}
# GET /api/v1/cas/{ca}/routes: one object can carry two authorizations.
ROUTES = [
    {"asn": 65536, "prefix": "2001:db8:100::/48", "max_length": 48, "roa_objects": [
        {"uri": "rsync://rir.lab/repo/a.roa", "validity": {"not_after": "2027-11-29T05:46:40.192850992Z"}}]},
    {"asn": 65536, "prefix": "192.0.2.0/24", "max_length": None, "roa_objects": [
        {"uri": "rsync://rir.lab/repo/a.roa", "validity": {"not_after": "2027-11-29T05:46:40.192850992Z"}}]},
]


def test_krill_times_with_nanoseconds_are_read_as_utc_seconds():
    assert cert_status.timestamp("2027-11-29T05:46:40.192850992Z") == 1827467200


def test_both_keys_of_a_roll_are_counted():
    assert cert_status.ca_certificates("personal", CA) == [
        ("personal rc 0 active", 1827467192), ("personal rc 0 new", 1827532800)]


def test_a_roa_object_is_counted_once_and_named_by_what_it_authorizes():
    assert cert_status.roa_certificates(ROUTES) == [
        ("192.0.2.0/24-24 => AS65536, 2001:db8:100::/48-48 => AS65536", 1827467200)]


def test_a_krill_that_does_not_answer_is_a_failed_check_not_silence(tmp_path, monkeypatch):
    token = tmp_path / "token"
    token.write_text("t0ken\n")
    monkeypatch.setenv("KRILL_URL", "https://127.0.0.1:9")  # discard: nothing listens
    monkeypatch.setenv("KRILL_CA", "personal")
    monkeypatch.setenv("KRILL_TOKEN_FILE", str(token))
    monkeypatch.delenv("TLS_ENDPOINTS", raising=False)
    out = tmp_path / "certs.prom"
    assert cert_status.main(["cert-status", str(out)]) == 0
    text = out.read_text()
    assert 'personal_as_certificate_check_ok{kind="rpki",source="personal"} 0' in text
    assert "personal_as_certificate_expiry_timestamp_seconds{" not in text
