"""The images' Dockerfiles agree with the base image's recipe."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from components.stack import base_image

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILES = sorted((ROOT / "images").glob("*/Dockerfile"))


def runs(dockerfile: Path) -> list[str]:
    """Each RUN instruction, its continuation lines joined."""
    text = re.sub(r"\\\n", " ", dockerfile.read_text())
    return [line for line in text.splitlines() if line.lstrip().startswith("RUN ")]


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=[d.parent.name for d in DOCKERFILES])
def test_the_default_base_is_the_one_the_recipe_builds(dockerfile):
    # The stack passes BASE_IMAGE itself; the default is what a bare
    # `docker build images/<name>` gets, and must not name a stale base.
    default = re.search(r"^ARG BASE_IMAGE=(\S+)$", dockerfile.read_text(), re.M)
    if default:
        assert default.group(1) == base_image()


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=[d.parent.name for d in DOCKERFILES])
def test_every_apt_step_leaves_no_lists_and_no_package_cache_in_its_layer(dockerfile):
    # The base keeps apt's package cache beside the lists
    # (/var/lib/apt/lists/pkgcache.bin), so removing the lists in the same
    # step is what keeps both out of the image.
    for run in runs(dockerfile):
        if "apt-get update" in run:
            assert "rm -rf /var/lib/apt/lists/*" in run, run
