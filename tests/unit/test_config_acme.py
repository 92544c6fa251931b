"""The `acme` section: refused at preview when the contact or the name is
wrong, and in a lab world pinned to the lab's own CA and names."""

from __future__ import annotations

import pytest

from components.config import validate
from components.config.acme import LAB_ACME_DIRECTORY, LETS_ENCRYPT
from tests.unit.test_config import LAB_RAW, LAB_SECRETS, PROD_RAW, PROD_SECRETS, VMLAB_RAW, assert_refused, with_change

BAD = [
    ("contact-not-an-email", PROD_RAW, ("acme", "email"), "noc.example.net", "personal-as:acme.email",
     "is not an email address"),
    ("contact-bad-domain", PROD_RAW, ("acme", "email"), "noc@example", "personal-as:acme.email", "fully qualified"),
    ("contact-bad-local-part", PROD_RAW, ("acme", "email"), "no c@example.net", "personal-as:acme.email",
     "local part"),
    # RFC 5322 allows these; root scripts on vps handle paths made of the
    # address, so none of the shell's metacharacters get in.
    ("contact-backticks", PROD_RAW, ("acme", "email"), "`reboot`@example.net", "personal-as:acme.email",
     "letters, digits and . _ + - only"),
    ("contact-quote", PROD_RAW, ("acme", "email"), "o'brien@example.net", "personal-as:acme.email",
     "letters, digits and . _ + - only"),
    ("contact-dollar", PROD_RAW, ("acme", "email"), "$(id)@example.net", "personal-as:acme.email",
     "letters, digits and . _ + - only"),
    ("contact-ampersand", PROD_RAW, ("acme", "email"), "a&b@example.net", "personal-as:acme.email",
     "letters, digits and . _ + - only"),
    ("name-not-dns", PROD_RAW, ("acme", "route0_name"), "www_example.net", "personal-as:acme.route0_name",
     "DNS host name"),
    ("name-not-qualified", PROD_RAW, ("acme", "route0_name"), "www", "personal-as:acme.route0_name",
     "fully qualified"),
    ("name-an-url", PROD_RAW, ("acme", "route0_name"), "https://www.example.net/", "personal-as:acme.route0_name",
     "DNS host name"),
    ("directory-plain-http", PROD_RAW, ("acme", "directory"), "http://ca.example.net/dir",
     "personal-as:acme.directory", "https:// URL"),
    ("lab-name-the-lab-does-not-define", LAB_RAW, ("acme", "route0_name"), "www.example.net",
     "personal-as:acme.route0_name", "not a name the lab defines"),
    ("lab-real-ca", LAB_RAW, ("acme", "directory"), LETS_ENCRYPT, "personal-as:acme.directory",
     "lab's own ACME CA"),
    ("vmlab-real-ca", VMLAB_RAW, ("acme", "directory"), LETS_ENCRYPT, "personal-as:acme.directory",
     "lab's own ACME CA"),
    ("renew-days-zero", PROD_RAW, ("acme", "renew_days"), 0, "personal-as:acme.renew_days", "greater than or equal"),
    ("lab-contact-not-an-email", LAB_RAW, ("acme", "email"), "hostmaster.example.net", "personal-as:acme.email",
     "is not an email address"),
    ("lab-name-not-dns", LAB_RAW, ("acme", "route0_name"), "route0_lab", "personal-as:acme.route0_name",
     "DNS host name"),
]


@pytest.mark.parametrize("base,path,value,key,words", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_acme_value_is_refused_at_preview(base, path, value, key, words):
    assert_refused(base, path, value, key, words)


def test_prod_route0_name_is_required_with_acme():
    raw = with_change(PROD_RAW, ("acme", "route0_name"), None, delete=True)
    with pytest.raises(Exception, match=r"personal-as:acme.route0_name.*set the DNS name route0's site answers at"):
        validate(raw, PROD_SECRETS, check_files=False, placeholders_ok=True)


def test_prod_defaults_to_lets_encrypt_production():
    cfg = validate(PROD_RAW, PROD_SECRETS, check_files=False, placeholders_ok=True)
    assert cfg.acme.directory == LETS_ENCRYPT
    assert cfg.acme.renew_days == 30 and cfg.acme.check_interval == 43200


def test_lab_uses_the_labs_ca_and_name():
    cfg = validate(LAB_RAW, LAB_SECRETS)
    assert cfg.acme.directory == LAB_ACME_DIRECTORY
    assert cfg.acme.route0_name == "route0.lab"


def test_without_acme_route0_stays_plain_http():
    cfg = validate(with_change(LAB_RAW, ("acme",), None, delete=True), LAB_SECRETS)
    assert cfg.acme is None
