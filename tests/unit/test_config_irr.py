"""The `irr` section: RPSL names and mandatory attributes refused at
`preview`, and route objects that must agree with the ROAs."""

from __future__ import annotations

import pytest

from components.config import ConfigError, validate
from tests.unit.test_config import LAB_RAW, LAB_SECRETS, PROD_RAW, PROD_SECRETS, assert_refused, with_change

BAD = [
    ("mntner-name-not-rpsl", PROD_RAW, ("irr", "maintainer", "name"), "1-MNT", "personal-as:irr.maintainer.name",
     "not an RPSL maintainer name"),
    ("mntner-name-without-mnt", PROD_RAW, ("irr", "maintainer", "name"), "SETH", "personal-as:irr.maintainer.name",
     "must end in -MNT"),
    ("upd-to-not-an-email", PROD_RAW, ("irr", "maintainer", "upd_to"), "noc", "personal-as:irr.maintainer.upd_to",
     "not an email address"),
    ("nic-hdl-bad", PROD_RAW, ("irr", "admin", "nic_hdl"), "SETH-EXAMPLE-1", "personal-as:irr.admin.nic_hdl",
     "not a NIC handle"),
    ("person-one-word", PROD_RAW, ("irr", "admin", "name"), "Seth", "personal-as:irr.admin.name", "two or more words"),
    ("phone-not-international", PROD_RAW, ("irr", "admin", "phone"), "030 0000000", "personal-as:irr.admin.phone",
     "starting with +"),
    ("no-address", PROD_RAW, ("irr", "admin", "address"), [], "personal-as:irr.admin.address", "at least 1"),
    ("contact-kind", PROD_RAW, ("irr", "admin", "kind"), "company", "personal-as:irr.admin.kind", "person or role"),
    ("as-name-bad", PROD_RAW, ("irr", "as_name"), "SETH AS", "personal-as:irr.as_name", "not an RPSL as-name"),
    ("as-set-bad", PROD_RAW, ("irr", "as_set"), "CUSTOMERS", "personal-as:irr.as_set", "not an as-set name"),
    ("as-set-someone-elses", PROD_RAW, ("irr", "as_set"), "AS53667:AS-CUSTOMERS", "personal-as:irr.as_set",
     "named after its owner: AS215634:AS-CUSTOMERS"),
    ("source-lowercase", PROD_RAW, ("irr", "source"), "ripe", "personal-as:irr.source", "in capitals"),
    ("lab-real-registry", LAB_RAW, ("irr", "source"), "RIPE", "personal-as:irr.source", "lab's own registry"),
    ("submit-to-ripe", PROD_RAW, ("irr", "submit"), True, "personal-as:irr.submit", "not built yet"),
    ("api-url-not-https", PROD_RAW, ("irr", "api_url"), "http://irrd.example.net/", "personal-as:irr.api_url",
     "must be the https:// URL"),
    ("lab-api-url", LAB_RAW, ("irr", "api_url"), "https://irrd.example.net/", "personal-as:irr.api_url",
     "its own registry"),
    ("lab-handle-of-another-registry", LAB_RAW, ("irr", "admin", "nic_hdl"), "LO1-RIPE",
     "personal-as:irr.admin.nic_hdl", "end in -LAB"),
]


@pytest.mark.parametrize("base,path,value,key,words", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_irr_value_is_refused_at_preview(base, path, value, key, words):
    assert_refused(base, path, value, key, words)


# Route objects (one per announced prefix) and ROAs disagree: (change, key, words).
MISMATCH = [
    ("prefix-without-roa", ("roas",), [], "personal-as:prefixes[0] = '2001:db8:100::/48'",
     "no ROA authorises AS65536 for 2001:db8:100::/48"),
    ("roa-only-for-a-more-specific", ("roas",), [{"prefix": "2001:db8:100::/49"}],
     "personal-as:prefixes[0] = '2001:db8:100::/48'", "no ROA authorises AS65536 for 2001:db8:100::/48"),
    ("roa-other-origin", ("roas", 0, "origin"), 65537, "personal-as:roas[0].origin = 65537",
     "the route objects the stack registers say AS65536"),
]


@pytest.mark.parametrize("path,value,key,words", [c[1:] for c in MISMATCH], ids=[c[0] for c in MISMATCH])
def test_route_objects_and_roas_that_disagree_are_refused_naming_the_prefix(path, value, key, words):
    with pytest.raises(ConfigError) as err:
        validate(with_change(LAB_RAW, path, value), LAB_SECRETS)
    assert key in str(err.value) and words in str(err.value), str(err.value)


def test_maintainer_password_must_be_a_secret():
    secrets = LAB_SECRETS - {"irr"}
    with pytest.raises(ConfigError, match=r"irr.maintainer.password = \[secret\]: must be a Pulumi secret"):
        validate(LAB_RAW, secrets)


def test_source_defaults_to_ripe_and_the_lab_says_lab():
    prod = validate(PROD_RAW, PROD_SECRETS, check_files=False, placeholders_ok=True)
    assert prod.irr.source == "RIPE"
    assert validate(LAB_RAW, LAB_SECRETS).irr.source == "LAB"


def test_tech_contact_defaults_to_the_admin():
    cfg = validate(LAB_RAW, LAB_SECRETS)
    assert cfg.irr.tech_contact == cfg.irr.admin


def test_a_looser_max_length_is_a_warning_not_an_error():
    cfg = validate(with_change(LAB_RAW, ("roas", 0, "max_length"), 56), LAB_SECRETS)
    assert any("max_length 56 is looser" in w for w in cfg.warnings)


def test_submitting_to_an_irrd_registry_needs_its_api_url():
    raw = with_change(with_change(PROD_RAW, ("irr", "source"), "RADB"), ("irr", "submit"), True)
    with pytest.raises(ConfigError) as err:
        validate(raw, PROD_SECRETS, check_files=False, placeholders_ok=True)
    assert "personal-as:irr.api_url" in str(err.value) and "IRRd HTTP API" in str(err.value), str(err.value)
    cfg = validate(with_change(raw, ("irr", "api_url"), "https://irrd.example.net/"), PROD_SECRETS, check_files=False, placeholders_ok=True)
    assert cfg.irr.api_url == "https://irrd.example.net/"


def test_a_lab_stack_names_an_as_set_for_transits_bgpq4():
    raw = with_change(LAB_RAW, ("irr", "as_set"), None)
    with pytest.raises(ConfigError) as err:
        validate(raw, LAB_SECRETS)
    assert "personal-as:irr.as_set:" in str(err.value) and "refuses documentation and private ASNs" in str(err.value)
