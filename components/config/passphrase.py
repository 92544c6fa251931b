"""A stack on real hosts must not keep its secrets under the lab's passphrase.

`stacks/lab.passphrase` is committed so that CI and a new user's lab need no
set-up; anyone with the repository can read it. `scripts/env.sh` exports it
when no passphrase is set, for every stack. A stack that does not face a
lab world holds real BGP passwords and tokens, so it is refused under that
passphrase, at preview, before anything is touched.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

LAB_PASSPHRASE_FILE = Path(__file__).resolve().parents[2] / "stacks" / "lab.passphrase"


def _read(path: str | os.PathLike) -> str | None:
    try:
        return Path(path).expanduser().read_text().strip()
    except OSError:
        return None


def passphrase_in_use(env: Mapping[str, str]) -> str | None:
    """The passphrase the Pulumi CLI encrypts this stack's secrets with, as
    it reads it: PULUMI_CONFIG_PASSPHRASE, else PULUMI_CONFIG_PASSPHRASE_FILE."""
    if env.get("PULUMI_CONFIG_PASSPHRASE"):
        return env["PULUMI_CONFIG_PASSPHRASE"].strip()
    if env.get("PULUMI_CONFIG_PASSPHRASE_FILE"):
        return _read(env["PULUMI_CONFIG_PASSPHRASE_FILE"])
    return None


def lab_passphrase_problem(stack: str, lab_world: bool, env: Mapping[str, str] | None = None) -> str | None:
    """Why this stack may not run under the lab's passphrase, or None."""
    if lab_world:
        return None
    env = os.environ if env is None else env
    lab = _read(LAB_PASSPHRASE_FILE)
    if not lab or passphrase_in_use(env) != lab:
        return None
    return (
        f"stack {stack} does not face a lab world, but its secrets are encrypted with the lab's passphrase "
        f"({LAB_PASSPHRASE_FILE}), which is committed and readable by anyone with the repository. Make a "
        "passphrase of your own and move the stack's secrets to it: `pulumi stack change-secrets-provider "
        f"passphrase --stack {stack}` (it unlocks with the lab's and asks for your new one), then "
        "`export PULUMI_CONFIG_PASSPHRASE_FILE=~/.config/personal-as/prod.passphrase` (a file holding your new "
        "passphrase, never committed) before each pulumi command")
