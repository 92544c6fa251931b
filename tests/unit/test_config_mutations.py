"""The prod example, filled in as a user would, mutated key by key: each
key deleted, emptied, given the wrong type and the wrong shape. Whatever
the mutation, validation (what `pulumi preview` runs first) either accepts
the config or refuses it with the stack's own keyed error, naming the key;
it never raises anything else (a traceback, for the user)."""

from __future__ import annotations

import copy
from collections import Counter

import pytest

from components.config import ConfigError, validate
from tests.unit.test_config import PROD_SECRETS
from tests.unit.test_config_prod_path import filled

BASE = filled()


def paths(value, loc=()):
    """Every key path in the config, parents before children."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield (*loc, k)
            yield from paths(v, (*loc, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield (*loc, i)
            yield from paths(v, (*loc, i))


def get(raw, path):
    for part in path:
        raw = raw[part]
    return raw


def wrong_type(value):
    if isinstance(value, bool):
        return "yes"
    if isinstance(value, int):
        return "sixty-five thousand"
    if isinstance(value, str):
        return 12345
    if isinstance(value, list):
        return "a, b"
    return 7


def wrong_shape(value):
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return {"first": value[0] if value else None}
    return {"value": value}


def empty(value):
    return {dict: {}, list: [], str: ""}.get(type(value), None)


def mutations():
    for path in paths(BASE):
        value = get(BASE, path)
        yield "deleted", path, None
        yield "emptied", path, empty(value)
        yield "wrong type", path, wrong_type(value)
        yield "wrong shape", path, wrong_shape(value)


def mutated(kind, path, value):
    raw = copy.deepcopy(BASE)
    parent = get(raw, path[:-1])
    if kind == "deleted":
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return raw


def key_text(path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out


MUTATIONS = list(mutations())


def test_the_filled_example_is_valid_before_any_mutation():
    validate(BASE, PROD_SECRETS, check_files=False)


def test_every_mutation_is_accepted_or_refused_with_keyed_errors_never_a_traceback():
    outcomes: Counter = Counter()
    unkeyed = []
    for kind, path, value in MUTATIONS:
        try:
            validate(mutated(kind, path, value), PROD_SECRETS, check_files=False)
            outcomes["accepted"] += 1
            continue
        except ConfigError as err:
            lines = err.problems
        # Anything else propagates and fails the test with its traceback.
        outcomes["refused"] += 1
        if not lines or not all(line.startswith("personal-as:") for line in lines):
            unkeyed.append((kind, path, lines))
            continue
        # The error names the mutated key, or an enclosing or enclosed one;
        # a cross-key rule names the key it checks and says what to add
        # (no roas: "prefixes[0] ... add roas: [...]").
        top = key_text(path[:1])
        if not any(line.startswith(f"personal-as:{top}") or f" {top}" in line for line in lines):
            unkeyed.append((kind, path, lines))
    print(f"{len(MUTATIONS)} mutations of {len(list(paths(BASE)))} keys: {dict(outcomes)}")
    assert not unkeyed, "\n".join(f"{k} {key_text(p)}: {ls}" for k, p, ls in unkeyed[:10])
    # Most mutations must be refused: a model that accepted anything would pass above.
    assert outcomes["refused"] > 0.7 * len(MUTATIONS), outcomes


@pytest.mark.parametrize("path", [("asn",), ("upstreams", 0, "neighbor"), ("hosts", "vps", "kind"),
                                  ("prefixes", 0), ("upstreams", 0, "name")], ids=key_text)
def test_a_required_key_deleted_or_emptied_is_refused_by_its_name(path):
    for kind in ("deleted", "emptied"):
        with pytest.raises(ConfigError) as err:
            validate(mutated(kind, path, empty(get(BASE, path))), PROD_SECRETS, check_files=False)
        named = key_text(path if kind == "emptied" or path[-1] != 0 else path[:-1])
        assert any(p.startswith(f"personal-as:{named}") for p in err.value.problems), (kind, err.value.problems)
