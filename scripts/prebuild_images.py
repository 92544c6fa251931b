"""Warms Docker's build cache with the project's images while the bootstrap
compiles Pulumi and Krill, so the first `pulumi up` finds every layer built.

It builds each image exactly as the program's DockerImage provider does
(same context, build arguments, tag and labels), so the `up` that follows
runs the same build and gets every step from the cache. It decides nothing
and is never required: an image it could not build is built, and its error
reported, by `pulumi up` itself.

    python scripts/prebuild_images.py [--arch ARCH] [IMAGE ...]   (default:
    every image whose inputs exist now, for this machine; Krill's need its
    binaries)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from components.container_image import image_spec  # noqa: E402
from components.providers.docker_image import _ImageProvider  # noqa: E402
from components.stack import ALL_IMAGES, image_args  # noqa: E402

# The lab stack's labels: the last layer (labels) is per stack, every layer
# before it is shared by all stacks.
STACK = "lab"


def main(args: list[str]) -> int:
    arch = None
    if args[:1] == ["--arch"]:
        arch, args = args[1], args[2:]
    for name in args or ALL_IMAGES:
        try:
            spec = image_spec(image_args(STACK, name, arch))
        except FileNotFoundError as err:  # Krill's binaries are not built yet
            print(f"prebuild {name}: skipped ({err})", flush=True)
            continue
        start = time.monotonic()
        try:
            _ImageProvider()._build(spec)
        except Exception as err:  # noqa: BLE001 - `up` builds it again and reports
            print(f"prebuild {name}: failed, `pulumi up` will build it: {str(err)[-500:]}", flush=True)
            continue
        print(f"prebuild {name}: {spec['tag']} in {time.monotonic() - start:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
