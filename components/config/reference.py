"""The config reference and the stack files' JSON Schema, made from the models.

Both are generated, never written by hand: `make docs` (or
`python -m components.config.reference --write`) writes
docs/reference/config.md and stacks/schema.json, and a unit test fails when
the committed ones are not what this module makes now, or when a key has no
description.

The schema accepts what Pulumi's stack files hold, which is not quite what
the program validates: every key under the `personal-as:` namespace, scalars
written as strings (`asn: "65536"`), and `{secure: ...}` for any secret.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
from pathlib import Path

from .errors import NAMESPACE, REFERENCE_PAGE, anchor
from .stack import StackConfig

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "reference" / "config.md"
SCHEMA = ROOT / "stacks" / "schema.json"

# What a lab world (`lab_world: true`) changes, key by key; the rest of a
# stack file means the same in the lab and in prod.
LAB_WORLD = """\
A stack *faces a lab world* when `lab_world` is true (the default when every
host is `kind: lab`). The stack then builds the simulated internet around
the user's hosts (transit, peer, the RIR and its LIR, a validator, an ACME
CA, a routing registry, a client), and some keys mean something else:

- `asn`, `prefixes`, `route0`, `roas`, `upstreams[].asn`: documentation and
  private ASNs and prefixes are accepted (outside a lab world they are
  refused: they cannot be routed).
- `upstreams[]`: the lab's transit plays the session the upstream
  describes (public or private ASN, IPv4 or IPv6 neighbour, source address,
  multihop, password).
- `krill`: the user's CA is onboarded under the lab's LIR by the stack
  itself, or, with `lab_portal`, through the response files as in prod.
- `acme`: certificates come from the lab's own ACME CA (pebble);
  `krill.public_name` must then be `krill.home.lab`.
- `irr`: objects go to the lab's own IRRd (source `LAB`), and an
  `irr.as_set` is required.
- `monitoring.webhook_url`: not used; alerts go to the lab's receiver.
- `lab_mgmt_net`, `lab_portal`, `hosts.<name>.lab_cable`: only here.
"""


def _slug(path: str) -> str:
    """A key path's anchor, by the one rule errors use (errors.anchor):
    "upstreams[].neighbor" is the location ("upstreams", "neighbor")."""
    return anchor(tuple(p for p in path.replace("[]", "").split(".")))


# --- reading the models' own JSON Schema -----------------------------------------------------------------

def _model_schema() -> dict:
    return StackConfig.model_json_schema(by_alias=True, mode="validation")


def _resolve(node: dict, defs: dict) -> tuple[dict, bool]:
    """(the schema a property really has, whether null is allowed)."""
    nullable = False
    if "anyOf" in node:
        # A section that `false` turns off (aspa) reads as the section.
        options = [o for o in node["anyOf"] if o.get("type") != "null" and o.get("const") is not False]
        nullable = any(o.get("type") == "null" for o in node["anyOf"])
        if len(options) == 1:
            merged = {k: v for k, v in node.items() if k != "anyOf"}
            if len(options) + nullable < len(node["anyOf"]):
                merged["or_false"] = True
            node = {**options[0], **merged}
    if "$ref" in node:
        target = defs[node["$ref"].split("/")[-1]]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node, nullable


def _type_words(node: dict, defs: dict) -> str:
    node, nullable = _resolve(node, defs)
    if "anyOf" in node:
        words = " or ".join(_type_words(o, defs) for o in node["anyOf"] if o.get("type") != "null")
    elif "enum" in node:
        words = "one of " + ", ".join(f"`{json.dumps(v)}`" for v in node["enum"])
    elif "const" in node:
        words = f"`{json.dumps(node['const'])}`"
    elif node.get("type") == "array":
        words = f"list of {_type_words(node.get('items', {}), defs)}"
    elif node.get("type") == "object" and "properties" in node:
        words = "section"
    elif node.get("type") == "object":
        words = f"map of name to {_type_words(node.get('additionalProperties', {}), defs)}"
    elif node.get("format") == "password":
        words = "secret string"
    else:
        words = str(node.get("type", "any"))
    words += " or `false`" if node.get("or_false") else ""
    return f"{words} or null" if nullable else words


def _constraints(node: dict, defs: dict) -> str:
    node, _ = _resolve(node, defs)
    out = []
    for key, words in (("minimum", "at least"), ("exclusiveMinimum", "more than"), ("maximum", "at most"),
                       ("exclusiveMaximum", "less than"), ("minLength", "at least {} characters"),
                       ("maxLength", "at most {} characters"), ("minItems", "at least {} entries"),
                       ("maxItems", "at most {} entries")):
        if key in node:
            out.append(words.format(node[key]) if "{}" in words else f"{words} {node[key]}")
    if "pattern" in node:
        out.append(f"matches `{node['pattern']}`")
    return "; ".join(out)


def _entries(schema: dict) -> list[tuple[str, dict, bool]]:
    """(key path, property schema, required) for every key, depth first, in
    the models' order."""
    defs = schema.get("$defs", {})
    out: list[tuple[str, dict, bool]] = []

    def walk(node: dict, prefix: str) -> None:
        required = set(node.get("required", []))
        for name, prop in node.get("properties", {}).items():
            path = f"{prefix}{name}"
            out.append((path, prop, name in required))
            inner, _ = _resolve(prop, defs)
            if inner.get("type") == "array":
                inner, _ = _resolve(inner.get("items", {}), defs)
                if "properties" in inner:
                    walk(inner, f"{path}[].")
            elif "properties" in inner:
                walk(inner, f"{path}.")
            elif inner.get("type") == "object" and "additionalProperties" in inner:
                value, _ = _resolve(inner["additionalProperties"], defs)
                if "properties" in value:
                    walk(value, f"{path}.<name>.")

    walk(schema, "")
    return out


def undescribed() -> list[str]:
    """Every key without a description: the reference would have a hole."""
    return [path for path, prop, _ in _entries(_model_schema()) if not prop.get("description")]


# --- the Markdown page ------------------------------------------------------------------------------------

def _value(v) -> str:
    return f"`{json.dumps(v)}`"


def reference_markdown() -> str:
    schema = _model_schema()
    defs = schema.get("$defs", {})
    lines = [
        "<!-- Generated by components/config/reference.py (make docs): do not edit by hand. -->",
        "# Config reference",
        "",
        "Every key of a stack file, under the `personal-as:` namespace (`personal-as:asn: 65536`). "
        "Nested keys are shown with dots; `[]` is an entry of a list, `<name>` a name you choose. "
        "Set a secret with `pulumi config set --secret --path '<key>' -- '<value>'`: it is stored encrypted. "
        "Editors check a stack file against the JSON Schema `stacks/schema.json`, made from the same models.",
        "",
        "## What a lab world changes",
        "",
        LAB_WORLD,
        "## Keys",
        "",
    ]
    for path, prop, required in _entries(schema):
        lines += [f"### `{path}` {{#{_slug(path)}}}", "", prop.get("description", "").strip(), ""]
        default = "required" if required else (_value(prop["default"]) if "default" in prop else "not set")
        rows = [("type", _type_words(prop, defs)), ("default", default)]
        constraints = _constraints(prop, defs)
        if constraints:
            rows.append(("constraints", constraints))
        if prop.get("examples"):
            rows.append(("example", ", ".join(_value(e) for e in prop["examples"])))
        lines += ["| | |", "|---|---|", *[f"| {k} | {v.replace('|', chr(92) + '|')} |" for k, v in rows], ""]
    return "\n".join(lines).rstrip() + "\n"


# --- the stack files' schema ------------------------------------------------------------------------------

_SECURE = {"type": "object", "properties": {"secure": {"type": "string"}}, "required": ["secure"],
           "additionalProperties": False}
_AS_STRING = {"integer": {"type": "string", "pattern": r"^-?[0-9]+$"},
              "number": {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"},
              "boolean": {"type": "string", "enum": ["true", "false"]}}


def _as_pulumi_holds(node):
    """A property's schema, loosened to what a Pulumi stack file may hold for
    it: scalars as strings, and a secret in place of any value."""
    if isinstance(node, list):
        return [_as_pulumi_holds(n) for n in node]
    if not isinstance(node, dict):
        return node
    node = {k: _as_pulumi_holds(v) if k in ("properties", "items", "additionalProperties", "anyOf", "$defs",
                                            "allOf", "oneOf") else v for k, v in node.items()}
    if "properties" in node and isinstance(node["properties"], dict):
        node["properties"] = {k: _as_pulumi_holds(v) for k, v in node["properties"].items()}
    if "$defs" in node:
        node["$defs"] = {k: _as_pulumi_holds(v) for k, v in node["$defs"].items()}
    if "type" in node or "$ref" in node or "anyOf" in node or "enum" in node:
        options = [_AS_STRING[node["type"]]] if node.get("type") in _AS_STRING else []
        return {"anyOf": [node, *options, _SECURE]}
    return node


def stack_file_schema() -> dict:
    models = _model_schema()
    defs = {k: _as_pulumi_holds(v) for k, v in copy.deepcopy(models.get("$defs", {})).items()}
    keys = {f"{NAMESPACE}:{k}": _as_pulumi_holds(v) for k, v in models["properties"].items()}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "personal-as stack file (stacks/Pulumi.<stack>.yaml)",
        "description": f"Generated from the config models by components/config/reference.py; "
                       f"the keys are described in {REFERENCE_PAGE}.",
        "type": "object",
        "properties": {
            "config": {
                "type": "object",
                "properties": keys,
                # Other projects' and providers' keys (namespace:key) may sit beside ours.
                "patternProperties": {rf"^(?!{NAMESPACE}:)[A-Za-z0-9_-]+:": {}},
                "additionalProperties": False,
            },
            "encryptionsalt": {"type": "string"},
            "secretsprovider": {"type": "string"},
            "encryptedkey": {"type": "string"},
        },
        "additionalProperties": False,
        "$defs": defs,
    }


def write() -> list[Path]:
    REFERENCE.parent.mkdir(parents=True, exist_ok=True)
    REFERENCE.write_text(reference_markdown())
    SCHEMA.write_text(json.dumps(stack_file_schema(), indent=1) + "\n")
    return [REFERENCE, SCHEMA]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write the reference page and the schema")
    args = parser.parse_args()
    missing = undescribed()
    if missing:
        raise SystemExit(f"keys without a description (Field(description=...)): {', '.join(missing)}")
    if args.write:
        for path in write():
            print(f"wrote {path.relative_to(ROOT)}")
    else:
        print(reference_markdown())


if __name__ == "__main__":
    main()
