"""Run a program of one of the project's images, as the unit tier's checks
do: the daemons' own parsers (BIRD's `bird -p`, IRRd's RPSL parser and
config checks) in the very release the hosts run, never whatever this
machine has (Debian 12's BIRD is 2.0.12, the images' 2.17; IRRd is in no
Debian package at all). No network; folders are mounted read-only at their
own paths."""

from __future__ import annotations

import functools
import subprocess

from components.container_image import image_spec
from components.providers.docker_image import _ImageProvider
from components.stack import image_args


@functools.cache
def image_tag(name: str) -> str:
    """The image's tag, built first if this machine lacks it (the
    bootstrap prebuilds it, so that is rare, and from its build cache)."""
    spec = image_spec(image_args("lab", name))
    present = subprocess.run(["docker", "image", "inspect", spec["tag"]], capture_output=True).returncode == 0
    if not present:
        _ImageProvider()._build(spec)
    return spec["tag"]


def run_in_image(image: str, program: str, *args: str, folders: tuple[str, ...] = (), input: str | None = None,
                 timeout: int = 120) -> subprocess.CompletedProcess:
    """`program args` in `image`, with `folders` mounted at their own paths."""
    mounts = [arg for f in folders for arg in ("-v", f"{f}:{f}:ro")]
    return subprocess.run(
        ["docker", "run", "--rm", *(["-i"] if input is not None else []), "--pull", "never", "--network", "none",
         "--entrypoint", program, *mounts, image_tag(image), *args],
        input=input, capture_output=True, text=True, timeout=timeout,
    )
