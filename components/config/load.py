"""The one place raw stack config is read.

`pulumi config set --secret --path 'upstreams[0].password'` makes the whole
`upstreams` value secret. We validate the plain values here, once, when the
program starts, and the components wrap only the passwords back into secret
Outputs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from pydantic import ValidationError

from .errors import NAMESPACE, ConfigError, from_validation_error
from .stack import StackConfig

KEYS = ("asn", "router_id", "prefixes", "upstreams", "roas", "hosts", "krill", "route0")


def is_lab(raw: Mapping) -> bool:
    """A lab stack is one whose hosts are all `kind: lab`, whatever its name."""
    hosts = raw.get("hosts")
    if not isinstance(hosts, Mapping) or not hosts:
        return False
    return all(isinstance(h, Mapping) and h.get("kind") == "lab" for h in hosts.values())


def validate(raw: Mapping, secret_keys: set[str] | frozenset[str] = frozenset()) -> StackConfig:
    """Validate raw config values (keys without the namespace).

    Raises:
        ConfigError: naming each bad key, its value and what would be valid.
    """
    try:
        return StackConfig.model_validate(dict(raw), context={"lab": is_lab(raw), "secret_keys": set(secret_keys)})
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
