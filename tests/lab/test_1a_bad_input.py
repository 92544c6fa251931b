"""Bad stack config, through the real CLI: `pulumi up` refuses it with the
key, the value and what would be valid, and creates nothing."""

from __future__ import annotations

import copy
import json
import subprocess

import pytest
import yaml

from tests.lab.conftest import ROOT, STACK_FILE
from tests.unit.test_config import BAD, LAB_RAW
from tests.unit.test_config_acme import BAD as ACME_BAD
from tests.unit.test_config_bgp_policy import BAD as POLICY_BAD
from tests.unit.test_config_more_bad_inputs import LAB_BAD as MORE_BAD

BAD_STACK = "badinput"
BAD_FILE = ROOT / "stacks" / f"Pulumi.{BAD_STACK}.yaml"
# Pulumi keeps every top-level value as a string, and the program reads them
# as JSON, so "65536" and 65536 are the same config there: that case is the
# model's alone (tests/unit).
LAB_CASES = [c for c in BAD + ACME_BAD if c[1] is LAB_RAW and "password" not in c[2] and c[0] != "asn-text"]
# The BGP policy keys: one case each (the rest are the model's, in tests/unit).
LAB_CASES += [c for c in POLICY_BAD if c[0] in ("role-bird-does-not-know", "blackhole-outside-the-prefixes",
                                                "community-two-parts", "validator-bad-port")]
# The classes a review found accepted: IANA's special-purpose blocks, a
# blackhole on route0, a neighbour inside the user's own prefix.
LAB_CASES += MORE_BAD


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["pulumi", *args, "--stack", BAD_STACK, "--non-interactive"], cwd=ROOT,
                          capture_output=True, text=True)


@pytest.fixture(scope="module", autouse=True)
def bad_stack():
    subprocess.run(["pulumi", "stack", "init", BAD_STACK, "--non-interactive"], cwd=ROOT, capture_output=True)
    yield
    # Should a case ever get through, take down what it made before the state goes.
    subprocess.run(["pulumi", "destroy", "--yes", "--stack", BAD_STACK, "--non-interactive"], cwd=ROOT,
                   capture_output=True)
    subprocess.run(["pulumi", "stack", "rm", BAD_STACK, "--yes", "--force", "--non-interactive"], cwd=ROOT,
                   capture_output=True)
    BAD_FILE.unlink(missing_ok=True)


def write_stack_with(path: tuple, value) -> None:
    """The committed lab stack (encrypted secrets and all) with one key changed."""
    doc = yaml.safe_load(STACK_FILE.read_text())
    node = doc["config"]
    key = f"personal-as:{path[0]}"
    if len(path) == 1:
        node[key] = value
    else:
        node = node[key]
        for part in path[1:-1]:
            node = node[part]
        node[path[-1]] = copy.deepcopy(value)
    BAD_FILE.write_text(yaml.safe_dump(doc, sort_keys=False))


def assert_refused_and_nothing_created(key: str, words: str, value_shown: str | None) -> None:
    res = run("up", "--yes", "--skip-preview")
    out = res.stdout + res.stderr
    assert res.returncode != 0, out[-2000:]
    assert key in out and words in out, out[-2000:]
    if value_shown is not None:
        assert value_shown in out, out[-2000:]
    state = json.loads(run("stack", "export").stdout or "{}")
    created = [r["type"] for r in state.get("deployment", {}).get("resources") or [] if r["type"] != "pulumi:pulumi:Stack"]
    assert created == [], f"a refused config created {created}"


@pytest.mark.parametrize("path,value,key,words", [c[2:] for c in LAB_CASES], ids=[c[0] for c in LAB_CASES])
def test_bad_value_is_refused_by_pulumi_up_before_anything_exists(path, value, key, words):
    write_stack_with(path, value)
    leaf = value[-1] if isinstance(value, list) and value else value
    # A section given whole (a dict) is named by the key inside it that is bad.
    shown = None if key == "personal-as" or isinstance(value, dict) else repr(leaf)
    assert_refused_and_nothing_created(key, words, shown)


def test_password_that_is_not_a_secret_is_refused():
    write_stack_with(("asn",), 65536)
    assert run("config", "set", "--path", "upstreams[0].password", "plaintext-password").returncode == 0
    assert_refused_and_nothing_created("personal-as:upstreams[0].password", "must be a Pulumi secret", "[secret]")


def test_an_empty_password_is_refused_not_taken_as_no_key():
    write_stack_with(("asn",), 65536)
    assert run("config", "set", "--secret", "--path", "upstreams[0].password", " ").returncode == 0
    assert_refused_and_nothing_created("personal-as:upstreams[0].password", "zero-length TCP-MD5 key", "[secret]")


def test_two_upstreams_to_one_router_are_refused():
    doc = yaml.safe_load(STACK_FILE.read_text())
    first = doc["config"]["personal-as:upstreams"][0]
    write_stack_with(("upstreams",), [first, {**first, "name": "transit2"}])
    assert_refused_and_nothing_created("personal-as:upstreams[1].neighbor", "is upstreams[0].neighbor too", None)


def test_password_longer_than_tcp_md5_allows_is_refused_without_showing_it():
    write_stack_with(("asn",), 65536)
    long = "p" * 81
    assert run("config", "set", "--secret", "--path", "upstreams[0].password", long).returncode == 0
    assert_refused_and_nothing_created("personal-as:upstreams[0].password", "at most 80", "[secret]")
    assert long not in run("up", "--yes", "--skip-preview").stdout
