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


def _replace_secure(value, found: list, placeholder: str):
    # The prod example's `set-me` strings are where the user sets secrets.
    if isinstance(value, str) and value.startswith("set-me"):
        found.append(True)
        return f"{placeholder}-{len(found)}"
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            found.append(True)
            return f"{placeholder}-{len(found)}"
        return {k: _replace_secure(v, found, placeholder) for k, v in value.items()}
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
