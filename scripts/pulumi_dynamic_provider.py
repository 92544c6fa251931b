"""Pulumi's dynamic-provider plugin (`python -m pulumi.dynamic`), which exits
with the CLI that started it: see orphan_watch.py for why."""

from __future__ import annotations

import os
import runpy
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from orphan_watch import exit_when_orphaned  # noqa: E402

if __name__ == "__main__":
    exit_when_orphaned()
    # As `python -m` would: the working directory (the project) first, so
    # providers pickled by reference import from it.
    sys.path[0] = os.getcwd()
    runpy.run_module("pulumi.dynamic", run_name="__main__", alter_sys=True)
