"""The prod guide (docs/prod.md) is what a user types: its blocks come in the
order a user goes, it sets exactly the secrets the example leaves as
`set-me`, and every value it asks the user for is known to the suite."""

from __future__ import annotations

import re

import pytest
import yaml

from components.config import validate
from tests import guide
from tests.guide import FILL_INS, PHASES, blocks, fill_in, paths_set, phase_of, secrets_set, set_me_keys
from tests.stack_files import PROD_EXAMPLE, VMLAB, load_stack_file


def test_the_guides_blocks_walk_the_phases_in_order():
    found = blocks()
    first = {}
    for b in found:
        for phase in phase_of(b):
            first.setdefault(phase, b.index)
    assert list(first) == [name for name, _ in PHASES], first
    assert sorted(first.values()) == list(first.values())


def test_the_guide_sets_exactly_the_secrets_the_example_leaves_to_set():
    example = {k.split(":", 1)[1]: v for k, v in yaml.safe_load(PROD_EXAMPLE.read_text())["config"].items()}
    assert secrets_set(blocks()) == set_me_keys(example) == {
        "upstreams[0].password", "irr.maintainer.password", "monitoring.webhook_url"}


def test_the_guide_copies_the_example_and_works_on_the_prod_stack_only():
    text = "\n".join(b.text for b in blocks())
    assert "cp stacks/Pulumi.prod.yaml.example stacks/Pulumi.prod.yaml" in text
    stacks = {w.split()[1] for w in re.findall(r"--stack \S+", text)}
    assert stacks == {"prod"}
    assert paths_set(blocks()) == {"krill.parent_response_file", "krill.repository_response_file"}


def test_every_value_the_guide_asks_for_is_known_and_filled_in():
    asked = {f for b in blocks() for f in b.fill_ins}
    assert asked == set(FILL_INS)
    filled = fill_in("\n".join(b.text for b in blocks()), {k: "VALUE" for k in FILL_INS})
    assert "<" not in filled


def test_a_fill_in_the_suite_does_not_know_is_an_error():
    with pytest.raises(KeyError, match="<your cat's name>"):
        fill_in("echo <your cat's name>", FILL_INS)


def test_on_another_stack_only_the_stacks_name_changes():
    text = "\n".join(b.text for b in blocks())
    renamed = guide.as_stack(text, "guide")
    # The example file and the user's passphrase file keep their names.
    assert re.findall(r"\S*prod\S*", renamed) == re.findall(r"\S*prod\S*", text.replace("--stack prod", "")
                                                          .replace("stack init prod", "").replace("PERSONAL_AS_STACK=prod", "")
                                                          .replace("stacks/Pulumi.prod.yaml\n", "\n"))
    assert {w.split("=")[-1] for w in re.findall(r"PERSONAL_AS_STACK=\S+", renamed)} == {"guide"}
    assert "cp stacks/Pulumi.prod.yaml.example stacks/Pulumi.guide.yaml" in renamed


def guides_config():
    """The example as the guide's run on the guests edits it, validated with
    the guide's secrets set."""
    raw, secret = load_stack_file(PROD_EXAMPLE, placeholder="guide-secret")
    doc = {"config": {f"personal-as:{k}": v for k, v in raw.items()}}
    guide.edit(doc["config"], {**guide.USER_VALUES, **guide.LAB_WORLD_VALUES, **guide.TEST_TUNINGS},
               key_file="~/.cache/personal-as/vmlab/id_ed25519")
    edited = {k.split(":", 1)[1]: v for k, v in doc["config"].items()}
    edited["monitoring"]["webhook_url"] = "https://alerts.example.net/personal-as"
    return validate(edited, secret | {"monitoring"}, check_files=False)


def test_the_guides_run_is_a_valid_lab_world_config_that_onboards_through_the_portal():
    cfg = guides_config()
    assert cfg.lab_world and cfg.lab_portal and cfg.upstreams[0].next_hop6 is None
    assert any("monitoring.webhook_url is not used" in w for w in cfg.warnings)


def test_make_vmlab_runs_what_the_guide_leaves_on_the_guests():
    """`make vmlab` (stack vmlab) is what `make test` proves with the guide's
    run: the same config, but for what the guide's example adds (IRR, a
    webhook, another email) and the onboarding the stack does itself."""
    raw, secret = load_stack_file(VMLAB, placeholder="guide-secret")
    vmlab = validate(raw, secret, check_files=False)
    differ = {"irr", "lab_portal", "acme", "monitoring", "upstreams"}
    ours, theirs = guides_config().model_dump(), vmlab.model_dump()
    assert {k for k in ours if ours[k] != theirs[k]} <= differ
    assert ours["acme"] | {"email": None} == theirs["acme"] | {"email": None}
    assert ours["monitoring"] | {"webhook_url": None} == theirs["monitoring"]
    assert [u | {"password": None} for u in ours["upstreams"]] == [u | {"password": None} for u in theirs["upstreams"]]
