"""Warms Docker's build cache with the project's images while the bootstrap
compiles Pulumi and Krill, so the first `pulumi up` finds every layer built.

It builds each image exactly as the program's DockerImage provider does
(same context, build arguments, tag and labels), so the `up` that follows
runs the same build and gets every step from the cache. It decides nothing
and is never required: an image it could not build is built, and its error
reported, by `pulumi up` itself.

    python scripts/prebuild_images.py [--arch ARCH] [--idle-cgroup PARENT] [IMAGE ...]
    (default: every image whose inputs exist now, for this machine; Krill's
    need its binaries)

--idle-cgroup: the builds run in that CPU cgroup (scripts/lib.sh's
idle_cgroup, which gets only the CPU nothing else wants), all at once, so
they fill whatever cores fall idle; a cold run's arm64 images build so.
"""

from __future__ import annotations

import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from components.container_image import image_spec  # noqa: E402
from components.providers.docker_image import _ImageProvider  # noqa: E402
from components.stack import ALL_IMAGES, image_args  # noqa: E402

# The lab stack's labels: the last layer (labels) is per stack, every layer
# before it is shared by all stacks.
STACK = "lab"


def in_cgroup(parent: str) -> None:
    """Every build this process asks for runs its steps under the CPU cgroup
    `parent`. The Engine API's /build takes `cgroupparent`; docker-py does
    not pass it, so its one POST to /build gets the parameter added."""
    from docker.api.client import APIClient

    post = APIClient._post

    def _post(self, url, *args, **kwargs):
        if url.endswith("/build"):
            kwargs["params"] = {**(kwargs.get("params") or {}), "cgroupparent": parent}
        return post(self, url, *args, **kwargs)

    APIClient._post = _post


def build(name: str, arch: str | None) -> None:
    try:
        spec = image_spec(image_args(STACK, name, arch))
    except FileNotFoundError as err:  # Krill's binaries are not built yet
        print(f"prebuild {name}: skipped ({err})", flush=True)
        return
    start = time.monotonic()
    try:
        _ImageProvider()._build(spec)
    except Exception as err:  # noqa: BLE001 - `up` builds it again and reports
        print(f"prebuild {name}: failed, `pulumi up` will build it: {str(err)[-500:]}", flush=True)
        return
    print(f"prebuild {name}: {spec['tag']} in {time.monotonic() - start:.0f} s", flush=True)


def main(args: list[str]) -> int:
    arch = parent = None
    while args[:1] in (["--arch"], ["--idle-cgroup"]):
        if args[0] == "--arch":
            arch = args[1]
        else:
            parent = args[1]
        args = args[2:]
    names = args or ALL_IMAGES
    if parent is None:
        for name in names:
            build(name, arch)
        return 0
    in_cgroup(parent)
    with ThreadPoolExecutor(max_workers=len(names)) as pool:
        list(pool.map(lambda n: build(n, arch), names))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
