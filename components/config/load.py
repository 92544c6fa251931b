"""The one place raw stack config is read.

`pulumi config set --secret --path 'upstreams[0].password'` makes the whole
`upstreams` value secret. We validate the plain values here, once, when the
program starts, and the components wrap only the passwords back into secret
Outputs.

The validation context carries `lab_world` (world.py), `secret_keys` and
`check_files` (see model.py's docstring).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from pydantic import ValidationError

from .errors import KEY_REFERENCE, NAMESPACE, ConfigError, from_validation_error, key_path, problem_line
from .names import control_characters
from .passphrase import lab_passphrase_problem
from .placeholders import placeholder_problems, string_leaves
from .stack import StackConfig
from .world import faces_lab_world, is_lab

__all__ = ["KEYS", "faces_lab_world", "is_lab", "load", "raw_from_pulumi", "validate"]

# The top-level keys the program reads: the model's own fields, so a new
# section cannot be validated by the model and yet refused as unknown here.
KEYS = tuple(StackConfig.model_fields)


def validate(raw: Mapping, secret_keys: set[str] | frozenset[str] = frozenset(), *,
             check_files: bool = True, build_arch: str | None = None, placeholders_ok: bool = False) -> StackConfig:
    """Validate raw config values (keys without the namespace).

    Args:
        raw: the values, keys without the namespace.
        secret_keys: the top-level keys Pulumi holds as secrets.
        check_files: whether files the config names (hosts.*.key_file) must
            exist on this machine. Only tests pass False, for example stacks
            whose files live on the user's machine.
        build_arch: the architecture images are built for; default: this
            machine's (only tests pass another).
        placeholders_ok: accept the prod example's placeholder names and
            addresses (placeholders.py). Only tests pass True, to render the
            example itself.

    Raises:
        ConfigError: naming each bad key, its value and what would be valid.
    """
    lab_world = faces_lab_world(raw)
    context = {"lab_world": lab_world, "secret_keys": set(secret_keys), "check_files": check_files,
               "build_arch": build_arch}
    # Every problem in one run. A `set-me` secret's line (with the command
    # that sets it) replaces what the models say about the same key; a
    # placeholder name or address is shown where the models had nothing
    # against the key.
    shown: list[str] = []
    try:
        cfg = StackConfig.model_validate(dict(raw), context=context)
    except ValidationError as err:
        shown = from_validation_error(err).problems
    for loc, value, why in control_character_problems(raw):
        key = f"{NAMESPACE}:{key_path(loc)}"
        if not any(p.startswith((key + " ", key + ":")) for p in shown):  # one line per key
            shown.append(problem_line(loc, value, why))
    for k in [] if placeholders_ok else placeholder_problems(raw, lab_world):
        key = f"{NAMESPACE}:{key_path(k.loc)}"
        same_key = [p for p in shown if p.startswith((key + " ", key + ":"))]
        if k.secret_placeholder:
            shown = [p for p in shown if p not in same_key]
        elif same_key:
            continue
        shown.append(problem_line(k.loc, k.value, str(k)))
    if shown:
        raise ConfigError(shown)
    return cfg


def control_character_problems(raw: Mapping):
    """(key, value, why) for each string in the config holding a control
    character (C0, DEL or C1), secrets and free text included. No key has a
    use for one, and each is a way out of the file or command a value lands
    in: a newline ends a comment, a heredoc or an RPSL attribute; a NUL cuts
    a C string short."""
    for loc, value in string_leaves(raw):
        bad = control_characters(value)
        if bad:
            named = ", ".join(f"U+{ord(c):04X}" for c in bad)
            yield loc, value, f"holds the control character(s) {named}; no key takes one (tabs and newlines included)"


def raw_from_pulumi() -> tuple[dict, set[str], list[str]]:
    """Every personal-as:* key of the running Pulumi program's config: the
    known ones' values, which of them are secret, and a problem line for
    each unknown one."""
    from pulumi.runtime import config as rc

    env = rc.get_config_env()
    raw: dict = {}
    secret: set[str] = set()
    prefix = f"{NAMESPACE}:"
    unknown = []
    for full_key in env:
        if not full_key.startswith(prefix):
            continue
        key = full_key[len(prefix):]
        if key not in KEYS:
            unknown.append(f"{full_key}: unknown key; valid keys are {', '.join(KEYS)} (see {KEY_REFERENCE})")
            continue
        text = rc.get_config(full_key)
        try:
            raw[key] = json.loads(text)
        except (TypeError, json.JSONDecodeError):
            raw[key] = text  # plain strings are stored unquoted
        if rc.is_config_secret(full_key):
            secret.add(key)
    return raw, secret, unknown


def load() -> StackConfig:
    """The running program's stack config, validated; every problem at once."""
    import pulumi

    raw, secret, problems = raw_from_pulumi()
    passphrase = lab_passphrase_problem(pulumi.get_stack(), faces_lab_world(raw))
    if passphrase:
        problems.append(f"{NAMESPACE}: {passphrase}")
    try:
        cfg = validate(raw, secret)
    except ConfigError as err:
        problems += err.problems
    if problems:
        raise ConfigError(problems)
    return cfg
