"""The `aspa` section: the user's ASPA is made from the upstreams they buy
transit from, plus the providers listed, and bad values are refused at
preview with the key, the value and what would be valid."""

from __future__ import annotations

import copy

import pytest

from components.config import ConfigError, validate
from components.render.rpki import aspa_lines
from tests.unit.test_config import LAB_RAW, LAB_SECRETS, PROD_FILES_ELSEWHERE, PROD_RAW, PROD_SECRETS, \
    assert_refused, with_change


def lab(**changes):
    raw = copy.deepcopy(LAB_RAW)
    raw.update(changes)
    return validate(raw, LAB_SECRETS, check_files=False)


def second_upstream(**fields) -> dict:
    """An upstream beside the lab's transit: the lab's peer, on a link of its own."""
    return {"name": "peer", "asn": 64497, "neighbor": "2001:db8:ffff:6::1", "import": "none", **fields}


def with_upstreams(*extra) -> list[dict]:
    return [*copy.deepcopy(LAB_RAW["upstreams"]), *extra]


def test_by_default_every_transit_upstream_is_a_provider():
    cfg = lab()
    assert cfg.aspa is not None and cfg.aspa_providers == (64496,)
    assert aspa_lines(cfg.asn, cfg.aspa_providers) == "AS65536 => AS64496\n"


def test_an_upstream_with_no_role_is_a_provider_and_a_lateral_peer_is_not():
    assert lab(upstreams=with_upstreams(second_upstream(role=None))).aspa_providers == (64496, 64497)
    assert lab(upstreams=with_upstreams(second_upstream(role="peer"))).aspa_providers == (64496,)
    assert lab(upstreams=with_upstreams(second_upstream(role="rs_client"))).aspa_providers == (64496,)
    # The user is the provider: that upstream is the user's customer.
    assert lab(upstreams=with_upstreams(second_upstream(role="provider"))).aspa_providers == (64496,)


def test_a_private_session_asn_contributes_its_path_asn():
    vultr = with_upstreams()
    vultr[0] = {**vultr[0], "asn": 64515, "path_asn": 64496}
    assert lab(upstreams=vultr).aspa_providers == (64496,)
    # With no path_asn (a lab world allows it) it contributes nothing.
    vultr[0].pop("path_asn")
    assert lab(upstreams=vultr).aspa_providers == (0,)


def test_listed_providers_join_the_upstreams_ascending_and_once():
    assert lab(aspa={"providers": [64511, 64496, 64500]}).aspa_providers == (64496, 64500, 64511)


def test_no_provider_at_all_is_as0():
    only_peer = [{**copy.deepcopy(LAB_RAW["upstreams"][0]), "role": "peer"}]
    cfg = lab(upstreams=only_peer)
    assert cfg.aspa_providers == (0,)
    assert aspa_lines(cfg.asn, cfg.aspa_providers) == "AS65536 => AS0\n"


@pytest.mark.parametrize("value", [False, "false"])
def test_aspa_false_opts_out(value):
    raw = with_change(LAB_RAW, ("aspa",), value)
    if value == "false":  # what the program reads from Pulumi's string
        raw["aspa"] = False
    cfg = validate(raw, LAB_SECRETS, check_files=False)
    assert cfg.aspa is None and cfg.aspa_providers is None


def test_aspa_true_is_the_default():
    assert lab(aspa=True).aspa_providers == lab().aspa_providers


def test_prod_example_names_its_transit():
    cfg = validate(PROD_RAW, PROD_SECRETS, **PROD_FILES_ELSEWHERE)
    assert cfg.aspa_providers == (cfg.upstreams[0].public_asn,)


# A stack file with the section written out, so a key inside it can be changed.
LAB_WITH_ASPA = {**LAB_RAW, "aspa": {"providers": []}}
PROVIDERS = ("aspa", "providers")
BAD = [
    ("own-asn", PROVIDERS, [65536], "personal-as:aspa.providers", "an AS is never its own provider"),
    ("twice", PROVIDERS, [64500, 64500], "personal-as:aspa.providers", "lists an ASN twice"),
    ("as0", PROVIDERS, [0], "personal-as:aspa.providers", "AS0 is reserved"),
    ("as-trans", PROVIDERS, [23456], "personal-as:aspa.providers", "AS_TRANS"),
    ("not-a-list", PROVIDERS, 64500, "personal-as:aspa.providers", "valid list"),
    ("unknown-key", ("aspa", "provider"), [64500], "personal-as:aspa.provider", "unknown key"),
]


@pytest.mark.parametrize("path,value,key,words", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_aspa_value_is_refused_at_preview(path, value, key, words):
    assert_refused(LAB_WITH_ASPA, path, value, key, words)


def test_a_section_that_is_neither_false_nor_a_mapping_is_refused():
    assert_refused(LAB_RAW, ("aspa",), "yes", "personal-as:aspa", "must be false (no ASPA), or a mapping")


def test_documentation_providers_are_refused_outside_a_lab_world():
    with pytest.raises(ConfigError) as err:
        validate({**PROD_RAW, "aspa": {"providers": [64500]}}, PROD_SECRETS, **PROD_FILES_ELSEWHERE)
    assert "personal-as:aspa.providers = [64500]: 64500: AS64500 is documentation" in str(err.value)
    assert "allowed only in a stack that faces a lab world" in str(err.value)
