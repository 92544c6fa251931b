"""The prod guide (docs/prod.md) is what a user types: its blocks come in the
order a user goes, it sets exactly the secrets the example leaves as
`set-me`, and every value it asks the user for is known to the suite."""

from __future__ import annotations

import re

import pytest
import yaml

from tests.guide import FILL_INS, PHASES, blocks, fill_in, paths_set, phase_of, secrets_set, set_me_keys
from tests.stack_files import PROD_EXAMPLE


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
    assert secrets_set(blocks()) == set_me_keys(example) == {"upstreams[0].password", "irr.maintainer.password"}


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
