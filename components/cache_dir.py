"""The project's cache folder on the machine that runs Pulumi (what
scripts/lib.sh calls $CACHE): built tools, the local registry, journals."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    return Path(os.environ.get("PERSONAL_AS_CACHE", Path.home() / ".cache/personal-as"))
