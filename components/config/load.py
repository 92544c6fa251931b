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

from .errors import NAMESPACE, ConfigError, from_validation_error
from .stack import StackConfig
from .world import faces_lab_world, is_lab

__all__ = ["KEYS", "faces_lab_world", "is_lab", "load", "raw_from_pulumi", "validate"]

KEYS = ("lab_world", "asn", "router_id", "prefixes", "upstreams", "roas", "hosts", "krill", "route0", "acme", "irr",
        "validator", "blackhole", "maintenance", "drain_time", "communities", "monitoring",
        "lab_mgmt_net")


def validate(raw: Mapping, secret_keys: set[str] | frozenset[str] = frozenset(), *,
             check_files: bool = True, build_arch: str | None = None) -> StackConfig:
    """Validate raw config values (keys without the namespace).

    Args:
        raw: the values, keys without the namespace.
        secret_keys: the top-level keys Pulumi holds as secrets.
        check_files: whether files the config names (hosts.*.key_file) must
            exist on this machine. Only tests pass False, for example stacks
            whose files live on the user's machine.
        build_arch: the architecture images are built for; default: this
            machine's (only tests pass another).

    Raises:
        ConfigError: naming each bad key, its value and what would be valid.
    """
    context = {"lab_world": faces_lab_world(raw), "secret_keys": set(secret_keys), "check_files": check_files,
               "build_arch": build_arch}
    try:
        return StackConfig.model_validate(dict(raw), context=context)
    except ValidationError as err:
        raise from_validation_error(err) from None


def raw_from_pulumi() -> tuple[dict, set[str]]:
    """Read every personal-as:* key from the running Pulumi program's config."""
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
            unknown.append(f"{full_key}: unknown key; valid keys are {', '.join(KEYS)}")
            continue
        text = rc.get_config(full_key)
        try:
            raw[key] = json.loads(text)
        except (TypeError, json.JSONDecodeError):
            raw[key] = text  # plain strings are stored unquoted
        if rc.is_config_secret(full_key):
            secret.add(key)
    if unknown:
        raise ConfigError(unknown)
    return raw, secret


def load() -> StackConfig:
    return validate(*raw_from_pulumi())
