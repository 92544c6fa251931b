"""`bird -p` by the BIRD the routers run: the project's BIRD image (Debian
trixie's BIRD 2.17), not whatever BIRD this machine has. Debian 12's is
2.0.12: it refuses 2.17's syntax (the RTR session's `local address`), so a
golden checked by it would say nothing about the daemon that loads it."""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path

from components.container_image import image_spec
from components.providers.docker_image import _ImageProvider
from components.stack import image_args


@functools.cache
def bird_image() -> str:
    """The BIRD image's tag, built first if this machine lacks it (from the
    bootstrap's build cache: seconds)."""
    spec = image_spec(image_args("lab", "bird"))
    present = subprocess.run(["docker", "image", "inspect", spec["tag"]], capture_output=True).returncode == 0
    if not present:
        _ImageProvider()._build(spec)
    return spec["tag"]


def bird_parse(conf: Path) -> subprocess.CompletedProcess:
    """`bird -p -c conf` in the BIRD image, with no network. The conf's
    folder is mounted at its own path, so includes by absolute path resolve."""
    folder = str(conf.resolve().parent)
    return subprocess.run(
        ["docker", "run", "--rm", "--pull", "never", "--network", "none", "--entrypoint", "bird", "-v", f"{folder}:{folder}:ro",
         bird_image(), "-p", "-c", str(conf.resolve())],
        capture_output=True, text=True, timeout=60,
    )


def bird_version() -> str:
    """The image's BIRD version, as `bird --version` says it."""
    res = subprocess.run(["docker", "run", "--rm", "--pull", "never", "--network", "none", "--entrypoint", "bird", bird_image(), "--version"],
                         capture_output=True, text=True, timeout=60)
    return (res.stdout + res.stderr).strip()
