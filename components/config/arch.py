"""Architectures: which hosts this machine can build images for.

Images are built on the machine that runs Pulumi. It builds for its own
architecture natively, and an amd64 machine also for arm64: Debian's
qemu-user-static runs the arm64 image's own apt and dpkg, and Krill is
cross-compiled (scripts/bootstrap-arm64.sh sets both up).
"""

from __future__ import annotations

import platform

# platform.machine() -> Debian's architecture name.
MACHINE_ARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}
# Build machine -> the other architectures it builds images for.
CROSS_BUILDS = {"amd64": ("arm64",)}


def machine_arch() -> str:
    return MACHINE_ARCH.get(platform.machine().lower(), platform.machine())


def buildable(build_arch: str) -> tuple[str, ...]:
    return (build_arch, *CROSS_BUILDS.get(build_arch, ()))
