"""What a new user meets on the prod path: the example's placeholders are
refused by name, every problem shows in one run, the providers people use
(private session ASNs, IPv4 sessions carrying IPv6) are accepted when
described fully, and the lab's committed passphrase never protects a real
stack."""

from __future__ import annotations

import copy

import pytest
import yaml

from components.config import ConfigError, validate
from components.config.passphrase import LAB_PASSPHRASE_FILE, lab_passphrase_problem
from components.render.irr import rpsl_objects
from tests.stack_files import PROD_EXAMPLE, load_stack_file
from tests.unit.test_config import PROD_FILES_ELSEWHERE, PROD_RAW, PROD_SECRETS, with_change

# What the user fills in over the example's placeholders (only the
# validation sees these; nothing is sent anywhere).
FILLED = {
    ("router_id",): "45.61.188.10",
    ("upstreams", 0, "neighbor"): "45.61.188.1",
    ("upstreams", 0, "source"): "45.61.188.10",
    ("upstreams", 0, "next_hop6"): "2605:6400:20:1e::10",
    ("krill", "public_name"): "krill.seth.as215634.net",
    ("acme", "email"): "noc@as215634.net",
    ("acme", "route0_name"): "www.as215634.net",
    ("irr", "maintainer", "upd_to"): "noc@as215634.net",
    ("irr", "admin", "email"): "noc@as215634.net",
    ("hosts", "vps", "address"): "45.61.188.10",
    ("hosts", "home", "address"): "home.as215634.net",
    ("monitoring", "webhook_url"): "https://ntfy.as215634.net/personal-as",
}


def filled(base: dict = PROD_RAW) -> dict:
    raw = copy.deepcopy(base)
    for path, value in FILLED.items():
        raw = with_change(raw, path, value)
    return raw


def problems(raw: dict, secrets=PROD_SECRETS, **kw) -> list[str]:
    with pytest.raises(ConfigError) as err:
        validate(raw, secrets, check_files=False, **kw)
    return err.value.problems


def test_the_example_filled_in_by_its_user_is_valid():
    cfg = validate(filled(), PROD_SECRETS, check_files=False)
    assert not cfg.faces_lab and cfg.upstreams[0].next_hop6 == "2605:6400:20:1e::10"


def test_the_example_as_copied_names_every_placeholder_in_one_run():
    found = problems(PROD_RAW)
    keys = {p.split(" ", 1)[0].removesuffix(":") for p in found}
    assert keys == {"personal-as:" + ".".join(str(x) for x in path).replace(".0.", "[0].") for path in FILLED}, found
    assert all("placeholder" in p for p in found), found


def test_a_set_me_secret_left_in_place_is_refused_with_the_command_that_sets_it():
    # As the file is copied: plain `set-me` strings (a fake `secure:` value
    # would make the Pulumi CLI fail before the program runs).
    raw, _ = load_stack_file(PROD_EXAMPLE, placeholder="unused")
    text = yaml.safe_load(PROD_EXAMPLE.read_text())["config"]
    raw["upstreams"] = text["personal-as:upstreams"]
    raw["irr"] = text["personal-as:irr"]
    found = "\n".join(problems(filled(raw), secrets={"upstreams", "irr"}))
    assert "personal-as:upstreams[0].password = [secret]: is the example's placeholder" in found, found
    assert "pulumi config set --secret --path 'upstreams[0].password'" in found, found
    assert "pulumi config set --secret --path 'irr.maintainer.password'" in found, found


def test_in_a_lab_world_documentation_numbers_are_the_point():
    lab = with_change(PROD_RAW, ("lab_world",), True)
    assert not [p for p in problems(lab) if "placeholder" in p]


# --- the providers people use ----------------------------------------------

VULTR = {"name": "vultr", "asn": 64515, "path_asn": 20473, "neighbor": "169.254.169.254", "multihop": 2,
         "source": "45.61.188.10", "next_hop6": "2605:6400:20:1e::10", "password": "unit-secret-v"}


def test_a_private_session_asn_is_accepted_with_the_public_one_the_paths_show():
    raw = with_change(filled(), ("upstreams",), [VULTR])
    cfg = validate(raw, PROD_SECRETS, check_files=False)
    up = cfg.upstreams[0]
    assert (up.asn, up.public_asn, up.neighbor) == (64515, 20473, "169.254.169.254")
    # The registry's aut-num names the provider by its public ASN only.
    autnum = next(o for o in rpsl_objects(cfg, "MD5-PW $1$x$y") if o[0][0] == "aut-num")
    policy = [v for k, v in autnum if k in ("mp-import", "mp-export")]
    assert policy and all("AS20473" in v and "AS64515" not in v for v in policy), policy


def test_a_private_session_asn_without_path_asn_is_refused_naming_the_key():
    vultr = {k: v for k, v in VULTR.items() if k != "path_asn"}
    found = "\n".join(problems(with_change(filled(), ("upstreams",), [vultr])))
    assert "personal-as:upstreams[0].path_asn: asn 64515 is private" in found, found


def test_path_asn_must_be_public():
    found = "\n".join(problems(with_change(filled(), ("upstreams",), [{**VULTR, "path_asn": 64600}])))
    assert "personal-as:upstreams[0].path_asn = 64600: AS64600 is private" in found, found


def test_the_users_own_asn_must_still_be_public():
    found = "\n".join(problems(with_change(filled(), ("asn",), 64512)))
    assert "personal-as:asn = 64512: AS64512 is private" in found, found


def test_an_ipv4_session_carrying_ipv6_without_next_hop6_is_refused_naming_the_key():
    raw = with_change(filled(), ("upstreams", 0, "next_hop6"), None, delete=True)
    found = "\n".join(problems(raw))
    assert "personal-as:upstreams[0].next_hop6: the session to 45.61.188.1 runs over IPv4" in found, found


def test_an_ipv6_session_needs_no_next_hop6():
    raw = with_change(filled(), ("upstreams", 0), {"name": "frantech", "asn": 53667, "neighbor": "2605:6400::1",
                                                   "multihop": 2, "password": "unit-secret-9"})
    assert validate(raw, PROD_SECRETS, check_files=False).upstreams[0].next_hop6 is None


def test_a_source_address_of_the_other_family_than_the_neighbour_is_refused():
    raw = with_change(filled(), ("upstreams", 0, "source"), "2605:6400::10")
    found = "\n".join(problems(raw))
    assert "personal-as:upstreams[0].source = '2605:6400::10': the session to 45.61.188.1 runs over IPv4" in found


def test_a_lab_worlds_ipv6_session_goes_to_transit_on_its_link():
    from tests.unit.test_config import LAB_RAW, LAB_SECRETS

    buyvm_like = {"upstreams__0__neighbor": "2001:db8:ffff:2::1", "upstreams__0__source": "2001:db8:ffff:1::10"}
    raw = LAB_RAW
    for k, v in buyvm_like.items():
        raw = with_change(raw, tuple(int(p) if p.isdigit() else p for p in k.split("__")), v)
    assert validate(raw, LAB_SECRETS).upstreams[0].neighbor == "2001:db8:ffff:2::1"
    found = "\n".join(problems(with_change(raw, ("upstreams", 0, "neighbor"), "2001:db8:ffff:9::1"), LAB_SECRETS))
    assert "upstreams[0].neighbor" in found and "2001:db8:ffff:2::/64" in found


# --- keyed errors, never tracebacks ----------------------------------------

def test_monitoring_outside_a_lab_world_needs_a_webhook():
    found = "\n".join(problems(with_change(filled(), ("monitoring",), {"scrape_interval": 15})))
    assert "personal-as:monitoring.webhook_url: alerts need somewhere to go" in found, found


def test_a_missing_parent_response_file_is_a_keyed_error(tmp_path):
    raw = with_change(filled(), ("krill", "parent_response_file"), str(tmp_path / "parent-response.xml"))
    for host in ("vps", "home"):  # the example's key_file is on the user's machine: use the agent
        raw = with_change(raw, ("hosts", host, "key_file"), None, delete=True)
    with pytest.raises(ConfigError) as err:
        validate(raw, PROD_SECRETS)
    assert f"personal-as:krill.parent_response_file = '{tmp_path}/parent-response.xml': " in str(err.value)
    (tmp_path / "parent-response.xml").write_text("<parent_response/>")
    assert validate(raw, PROD_SECRETS).krill.parent_response_file


def test_several_cross_key_problems_come_in_one_run():
    raw = with_change(filled(), ("upstreams", 0, "asn"), 215634)           # iBGP with itself
    raw = with_change(raw, ("upstreams", 0, "next_hop6"), None, delete=True)  # and no IPv6 next hop
    raw = with_change(raw, ("route0",), "2001:67c::1")                       # outside the /48
    keys = {p.split(" ", 1)[0].removesuffix(":") for p in problems(raw)}
    assert {"personal-as:upstreams[0].asn", "personal-as:upstreams[0].next_hop6", "personal-as:route0"} <= keys


def test_an_unknown_key_points_at_the_keys_beside_it_in_the_reference():
    found = "\n".join(problems(with_change(filled(), ("upstreams", 0, "nieghbor"), "45.61.188.1")))
    assert "personal-as:upstreams[0].nieghbor" in found and "docs/reference/config.md#upstreams)" in found, found
    assert "DESIGN.md" not in found, found


def test_a_bad_value_points_at_its_key_in_the_reference():
    found = "\n".join(problems(with_change(filled(), ("upstreams", 0, "multihop"), 300)))
    assert "(see docs/reference/config.md#upstreams-multihop)" in found, found


# --- the lab's passphrase ---------------------------------------------------

def test_a_real_stack_under_the_lab_passphrase_is_refused_with_the_way_out():
    env = {"PULUMI_CONFIG_PASSPHRASE_FILE": str(LAB_PASSPHRASE_FILE)}
    problem = lab_passphrase_problem("prod", lab_world=False, env=env)
    assert problem and "pulumi stack change-secrets-provider passphrase --stack prod" in problem
    # The same passphrase given directly is the same passphrase.
    env = {"PULUMI_CONFIG_PASSPHRASE": LAB_PASSPHRASE_FILE.read_text().strip()}
    assert lab_passphrase_problem("prod", lab_world=False, env=env)


def test_a_lab_world_may_use_it_and_a_real_stack_its_own(tmp_path):
    lab = {"PULUMI_CONFIG_PASSPHRASE_FILE": str(LAB_PASSPHRASE_FILE)}
    assert lab_passphrase_problem("vmlab", lab_world=True, env=lab) is None
    own = tmp_path / "prod.passphrase"
    own.write_text("a long passphrase of the user's own\n")
    assert lab_passphrase_problem("prod", lab_world=False, env={"PULUMI_CONFIG_PASSPHRASE_FILE": str(own)}) is None


def test_the_committed_example_without_placeholders_ok_is_what_the_render_tests_use():
    # The render tests take the example's own numbers; this pins that they
    # pass only because they say so.
    assert validate(PROD_RAW, PROD_SECRETS, **PROD_FILES_ELSEWHERE)
    with pytest.raises(ConfigError):
        validate(PROD_RAW, PROD_SECRETS, check_files=False)
