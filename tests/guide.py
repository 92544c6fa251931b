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
# guests' run of the guide gives for it (tests/vmlab/test_0_guide.py).
FILL_INS = {
    "the BGP password from your provider": "a new random password (the lab's transit takes it from the stack)",
    "the URL your alerts go to": "https://alerts.example.net/personal-as (a lab world's alerts go to its own "
                                 "receiver, and preview says this URL is not used)",
    "the parent response, e.g. ~/rpki/parent_response.xml": "~/rpki/parent_response.xml, from the lab's LIR",
    "the repository response, e.g. ~/rpki/repository_response.xml": "~/rpki/repository_response.xml, from the "
                                                                    "lab's LIR",
}

# The guide works on stack `prod`; its run on the guests on stack `guide`
# (never a prod). Only these spellings name the stack: the example file
# (Pulumi.prod.yaml.example) and the passphrase file keep their names.
_STACK_NAME = re.compile(r"(?<=--stack )prod\b|(?<=stack init )prod\b|(?<=PERSONAL_AS_STACK=)prod\b"
                         r"|(?<=stacks/Pulumi\.)prod(?=\.yaml(?!\.example))")


def as_stack(text: str, name: str) -> str:
    """The guide's text for a stack of another name."""
    return _STACK_NAME.sub(name, text)


DELETE = object()  # a key the user takes out of the example

# "Now edit stacks/Pulumi.prod.yaml": what the guide's run on the guests
# puts where a user puts their own. Each group says why it is what it is.
# Yours: numbers, addresses, names (the lab world's documentation ones and
# the guests'), in the example's own keys.
USER_VALUES: dict[str, object] = {
    "asn": 65536,
    "prefixes": ["2001:db8:100::/48"],
    "route0": "2001:db8:100::80",
    "roas": [{"prefix": "2001:db8:100::/48", "max_length": 48}],
    "communities": ["65536:1:1"],
    # A BuyVM-like session: the provider's IPv6 router, a source address.
    "upstreams[0].name": "transit",
    "upstreams[0].asn": 64496,
    "upstreams[0].neighbor": "2001:db8:ffff:2::1",
    "upstreams[0].source": "2001:db8:ffff:1::10",
    "upstreams[0].next_hop6": DELETE,  # an IPv6 session has its own next hop
    "upstreams[0].gateway4": "192.0.2.9",
    "upstreams[0].gateway6": "2001:db8:ffff:1::1",
    "krill.handle": "personal",
    "krill.public_name": "krill.home.lab",
    # home's :3000, :443 and :80 are its own (the dashboard, nginx, Apache):
    # the ports preview would name as taken.
    "krill.port": 3001,
    "krill.proxy.https_port": 8443,
    "krill.proxy.http_port": None,
    "acme.route0_name": "route0.lab",
    "irr.admin.nic_hdl": "LO1-LAB",
    "irr.as_set": "AS65536:AS-PERSONAL",
    "hosts.vps.address": "203.0.113.242",
    "hosts.home.address": "203.0.113.243",
    "hosts.home.port": 2222,
}
# What puts the stack in the lab world around the guests: the settings the
# guide never mentions, as `lab_world: true` stands for.
LAB_WORLD_VALUES: dict[str, object] = {
    "lab_world": True,
    # The lab's LIR plays the parent's portal: the guide's onboarding steps run.
    "lab_portal": True,
    "lab_mgmt_net": "203.0.113.208/28",
    "hosts.vps.lab_cable": "pl-vmlab-vps",
    "hosts.home.lab_cable": "pl-vmlab-home",
    "monitoring.validator_metrics": "[2001:db8:ffff:11::2]:9847",
}
# What the vmlab tier's later tests need from the stack the guide leaves:
# a no-op `up` that stays one, a power cut noticed within its minute, and
# certificates not due during a run.
TEST_TUNINGS: dict[str, object] = {
    "images.refresh_days": 0,
    "upstreams[0].hold_time": 9,
    "monitoring.scrape_interval": 15,
    "monitoring.session_down_for": 30,
    "acme.renew_days": 13,
    "acme.check_interval": 600,
}


def _steps(path: str) -> list[str | int]:
    return [int(p) if p.isdigit() else p for p in re.findall(r"[^.\[\]]+", path)]


def edit(config: dict, values: dict[str, object], key_file: str) -> dict:
    """A stack file's `config:` with `values` put in (key paths as Pulumi's
    --path has them), and both hosts' `key_file`."""
    values = {**values, "hosts.vps.key_file": key_file, "hosts.home.key_file": key_file}
    for path, value in values.items():
        steps = _steps(path)
        node = config
        first = f"personal-as:{steps[0]}"
        steps = [first, *steps[1:]]
        for step in steps[:-1]:
            if isinstance(node, dict):
                node = node.setdefault(step, {})
            else:
                node = node[step]
        if value is DELETE:
            node.pop(steps[-1], None)
        else:
            node[steps[-1]] = value
    return config


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
