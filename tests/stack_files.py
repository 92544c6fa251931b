"""Read a committed stack file the way Pulumi hands config to the program.

Encrypted values ({secure: ...}) cannot be decrypted without the passphrase,
so tests put a recognisable placeholder in their place and mark the
top-level key secret, exactly as Pulumi does for a --path secret. The prod
example's `set-me...` strings are where a user sets secrets: they are
treated the same way.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
LAB = ROOT / "stacks" / "Pulumi.lab.yaml"
PROD_EXAMPLE = ROOT / "stacks" / "Pulumi.prod.yaml.example"
VMLAB = ROOT / "stacks" / "Pulumi.vmlab.yaml"


# Secrets that are URLs get a placeholder shaped like one.
URL_KEYS = ("webhook_url",)


def _replace_secure(value, found: list, placeholder: str, key: str = ""):
    # The prod example's `set-me` strings are where the user sets secrets.
    secret = (isinstance(value, str) and value.startswith("set-me")) or (
        isinstance(value, dict) and set(value) == {"secure"})
    if secret:
        found.append(True)
        text = f"{placeholder}-{len(found)}"
        return f"https://hooks.example.net/{text}" if key in URL_KEYS else text
    if isinstance(value, dict):
        return {k: _replace_secure(v, found, placeholder, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_secure(v, found, placeholder) for v in value]
    return value


def load_stack_file(path: Path, placeholder: str = "test-secret-value") -> tuple[dict, set[str]]:
    """(raw config without the namespace, top-level keys holding secrets)."""
    data = yaml.safe_load(path.read_text())["config"]
    raw, secret = {}, set()
    for full_key, value in data.items():
        key = full_key.split(":", 1)[1]
        found: list = []
        if isinstance(value, str):
            # Pulumi stores top-level scalars as strings and the program reads
            # them as JSON: "65536" is the number 65536.
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                pass
        raw[key] = _replace_secure(value, found, placeholder)
        if found:
            secret.add(key)
    return raw, secret
