"""The RIPE REST API requests that submit the user's objects: no real RIPE
can be reached here, so the requests are kept in golden files built from
RIPE's documented formats, and their shape is checked below."""

from __future__ import annotations

import json
from urllib.parse import unquote, urlsplit

import pytest

from components.config import validate
from components.render.irr import rpsl_objects
from components.render.ripe_rest import (
    AUTH_HEADER, RIPE_REST, RIPE_TEST_REST, object_key, render_http, ripe_create, ripe_delete, ripe_requests,
    ripe_update,
)
from tests.unit.test_config import PROD_RAW, PROD_SECRETS, with_change
from tests.unit.test_render import check_golden

# A fixed stand-in for the hashed maintainer auth: goldens never hold a real one.
AUTH = "BCRYPT-PW <hash>"
REASON = "prefix returned to the registry"


def prod():
    return validate(PROD_RAW, PROD_SECRETS, check_files=False, placeholders_ok=True)


def route6(cfg):
    return next(o for o in rpsl_objects(cfg, AUTH) if o[0][0] == "route6")


CASES = {
    "prod-example-ripe-rest-create.http": lambda: render_http(ripe_requests(prod(), AUTH)),
    "prod-example-ripe-rest-delete-route6.http": lambda: render_http(
        [ripe_delete(route6(prod()), "RIPE", RIPE_REST, REASON)]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_requests_match_golden(name, update_golden):
    check_golden(name, CASES[name](), update_golden)


def test_creates_come_in_the_seeds_order_one_object_each():
    cfg = validate(with_change(PROD_RAW, ("irr", "as_set"), "AS215634:AS-SETH"), PROD_SECRETS, check_files=False, placeholders_ok=True)
    reqs = ripe_requests(cfg, AUTH)
    assert [r.method for r in reqs] == ["POST"] * 5
    assert [r.url.removeprefix("https://rest.db.ripe.net/ripe/") for r in reqs] == [
        "mntner", "person", "aut-num", "as-set", "route6"]
    as_set = json.loads(reqs[3].body)["objects"]["object"][0]["attributes"]["attribute"]
    assert ripe_update([(a["name"], a["value"]) for a in as_set], "RIPE").url.endswith("/as-set/AS215634:AS-SETH")


def test_each_body_parses_and_round_trips_every_attribute_in_order():
    cfg = prod()
    for obj, req in zip(rpsl_objects(cfg, AUTH), ripe_requests(cfg, AUTH), strict=True):
        doc = json.loads(req.body)
        [only] = doc["objects"]["object"]
        assert only["source"] == {"id": "RIPE"}
        assert [(a["name"], a["value"]) for a in only["attributes"]["attribute"]] == obj
        assert dict(req.headers) == {"Accept": "application/json", "Content-Type": "application/json"}


def test_the_route6_key_in_the_url_is_prefix_and_origin_together():
    cfg = prod()
    obj = route6(cfg)
    for req in (ripe_update(obj, "RIPE"), ripe_delete(obj, "RIPE", RIPE_REST, REASON)):
        parts = urlsplit(req.url)
        assert parts.path == "/ripe/route6/2a0f:85c1:362::/48AS215634"
        assert unquote(parts.path.removeprefix("/ripe/route6/")) == f"{cfg.networks[0]}AS{cfg.asn}"


def test_keys_are_percent_encoded_and_a_contact_is_keyed_by_its_nic_handle():
    person = [("person", "Seth Example"), ("nic-hdl", "SE1234-RIPE"), ("source", "RIPE")]
    assert object_key(person) == "SE1234-RIPE"
    assert ripe_update(person, "RIPE").url == "https://rest.db.ripe.net/ripe/person/SE1234-RIPE"
    # RIPE's own example of a key with spaces: they are encoded, as it says.
    inetnum = [("inetnum", "193.0.0.0 - 193.0.7.255"), ("source", "RIPE")]
    assert ripe_update(inetnum, "RIPE").url.endswith("/ripe/inetnum/193.0.0.0%20-%20193.0.7.255")


def test_no_request_holds_the_maintainer_password_or_any_credential():
    cfg = prod()
    password = cfg.irr.maintainer.password.get_secret_value()
    reqs = [*ripe_requests(cfg, AUTH), ripe_update(route6(cfg), "RIPE"),
            ripe_delete(route6(cfg), "RIPE", RIPE_REST, REASON)]
    for r in reqs:
        text = repr(r)
        assert password not in text
        assert "password" not in r.url.lower()
        assert AUTH_HEADER not in dict(r.headers)
    assert password not in render_http(reqs)


def test_a_delete_carries_the_reason_and_no_body():
    req = ripe_delete(route6(prod()), "RIPE", RIPE_REST, REASON)
    assert req.method == "DELETE" and req.body is None
    assert urlsplit(req.url).query == "reason=prefix%20returned%20to%20the%20registry"


def test_the_test_database_takes_source_test_and_refuses_a_mismatch():
    cfg = validate(with_change(PROD_RAW, ("irr", "source"), "TEST"), PROD_SECRETS, check_files=False, placeholders_ok=True)
    reqs = ripe_requests(cfg, AUTH, RIPE_TEST_REST)
    assert all(r.url.startswith("https://rest-test.db.ripe.net/test/") for r in reqs)
    with pytest.raises(ValueError, match="source is RIPE, but it would go to TEST"):
        ripe_create(route6(prod()), "TEST", RIPE_TEST_REST)
