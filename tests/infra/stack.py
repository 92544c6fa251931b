"""What the tests know about the stack under test, read from Pulumi itself."""

from __future__ import annotations

import json
import os
import subprocess
from functools import cache

from components.config import StackConfig, validate
from components.lab_plan import LabPlan
from components.lab_plan import plan as lab_plan

STACK = os.environ.get("PERSONAL_AS_STACK", "lab")


def pulumi_json(*args: str) -> dict:
    out = subprocess.run(["pulumi", *args, "--stack", STACK, "--json", "--show-secrets"],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


@cache
def outputs() -> dict:
    return pulumi_json("stack", "output")


@cache
def config() -> StackConfig:
    raw, secret = {}, set()
    for full_key, entry in pulumi_json("config").items():
        if not full_key.startswith("personal-as:"):
            continue
        key = full_key.split(":", 1)[1]
        raw[key] = entry.get("objectValue", entry.get("value"))
        if isinstance(raw[key], str):
            try:
                raw[key] = json.loads(raw[key])
            except json.JSONDecodeError:
                pass
        if entry.get("secret"):
            secret.add(key)
    return validate(raw, secret)


@cache
def plan() -> LabPlan:
    return lab_plan(config())


def ssh_address(host: str) -> tuple[str, int]:
    """(address, port) of a host's sshd, from the stack's outputs."""
    where = outputs()["hosts"][host]["ssh"].split("@", 1)[1]
    address, _, port = where.rpartition(":")
    return address, int(port)


def host_names() -> list[str]:
    return list(outputs()["hosts"])
