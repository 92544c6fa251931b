"""The prod guide (docs/prod.md) as the test suite reads it: its ```sh
blocks in order, the values a user fills in (`<...>`), and the secrets it
sets. What the user types is what is checked, so the guide, the example
file it copies and the code cannot drift apart."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "prod.md"

_BLOCK = re.compile(r"^```sh\n(.*?)^```$", re.S | re.M)
_FILL_IN = re.compile(r"<([^<>]+)>")
_SECRET_SET = re.compile(r"pulumi config set --stack \S+ --secret --path '([^']+)'")
_PATH_SET = re.compile(r"pulumi config set --stack \S+ --path (\S+) ")

# The phases of the guide, each known by a command only it has, in the
# order a user goes through them.
PHASES = (
    ("bootstrap", "make bootstrap"),
    ("own passphrase", "export PULUMI_CONFIG_PASSPHRASE_FILE="),
    ("stack init", "pulumi stack init prod"),
    ("secrets", "--secret --path"),
    ("preview", "pulumi preview --stack prod"),
    ("up", "pulumi up --stack prod --yes"),
    ("onboarding with the parent", "krill.parent_response_file"),
    ("onboarding with the repository", "krill.repository_response_file"),
    ("verify", "python -m pytest tests/infra"),
)


@dataclass(frozen=True)
class Block:
    index: int
    text: str

    @property
    def fill_ins(self) -> list[str]:
        return _FILL_IN.findall(self.text)


def blocks(text: str | None = None) -> list[Block]:
    text = GUIDE.read_text() if text is None else text
    return [Block(i, m.group(1)) for i, m in enumerate(_BLOCK.finditer(text))]


def phase_of(block: Block) -> list[str]:
    return [name for name, marker in PHASES if marker in block.text]


def secrets_set(found: list[Block]) -> set[str]:
    """The config keys the guide sets as secrets."""
    return {k for b in found for k in _SECRET_SET.findall(b.text)}


def paths_set(found: list[Block]) -> set[str]:
    return {k for b in found for k in _PATH_SET.findall(b.text)}


def fill_in(text: str, values: dict[str, str]) -> str:
    """`text` with each `<...>` replaced by the value for it; a fill-in the
    caller has no value for is an error (the guide grew one)."""
    def one(m: re.Match) -> str:
        if m.group(1) not in values:
            raise KeyError(f"the guide asks the user for <{m.group(1)}>, and no value is given for it")
        return values[m.group(1)]

    return _FILL_IN.sub(one, text)


# What a user fills in where the guide says `<...>`, and what the vmlab
# guests' run of the guide gives for it.
FILL_INS = {
    "the BGP password from your provider": "the upstream password of the stack the guide runs on",
    "the parent response, e.g. ~/rpki/parent_response.xml": "the lab parent's response, saved by the test",
    "the repository response, e.g. ~/rpki/repository_response.xml": "the lab repository's response, saved by the test",
}


def set_me_keys(config: dict, prefix: str = "") -> set[str]:
    """Key paths (Pulumi's --path syntax) where a stack file says `set-me`."""
    out: set[str] = set()
    items = config.items() if isinstance(config, dict) else enumerate(config) if isinstance(config, list) else []
    for k, v in items:
        key = (f"{prefix}[{k}]" if isinstance(k, int) else f"{prefix}.{k}" if prefix else str(k))
        if isinstance(v, str) and v.startswith("set-me"):
            out.add(key)
        else:
            out |= set_me_keys(v, key)
    return out
