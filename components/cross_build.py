"""Whether this machine is set up to build images for another architecture.

Checked when the program runs (so `preview` says it), before any resource
exists: without these, the first sign would be a failed build at `up`.
"""

from __future__ import annotations

from pathlib import Path

from .config import ConfigError

# Debian arch -> qemu-user's name for it (binfmt_misc entry qemu-<name>).
QEMU_NAME = {"arm64": "aarch64"}
BINFMT = Path("/proc/sys/fs/binfmt_misc")


def binfmt_problem(arch: str) -> str | None:
    entry = BINFMT / f"qemu-{QEMU_NAME[arch]}"
    try:
        text = entry.read_text()
    except OSError:
        return f"qemu-{QEMU_NAME[arch]} is not registered with binfmt_misc ({entry} is missing)"
    if not text.startswith("enabled"):
        return f"qemu-{QEMU_NAME[arch]} is registered with binfmt_misc but disabled"
    flags = next((line.split(":", 1)[1] for line in text.splitlines() if line.startswith("flags:")), "")
    if "F" not in flags:
        return f"qemu-{QEMU_NAME[arch]} is registered without the F flag, so containers cannot use it"
    return None


def image_arch(tag: str) -> str | None:
    """The architecture an image is built for, or None if there is no such image."""
    import docker

    try:
        return docker.from_env().images.get(tag).attrs.get("Architecture")
    except Exception:  # noqa: BLE001 - missing, or no engine: either way not usable
        return None


def require_cross_build(arch: str, hosts: list[str], krill_files: list[str], base_image: str) -> None:
    """Raise ConfigError naming what is missing to build `arch` images here."""
    missing = []
    if problem := binfmt_problem(arch):
        missing.append(problem)
    missing += [f"Krill for {arch}: {f}" for f in krill_files if not Path(f).is_file()]
    if image_arch(base_image) != arch:
        missing.append(f"the {arch} base image {base_image}")
    if missing:
        keys = ", ".join(f"personal-as:hosts.{h}.arch" for h in hosts)
        raise ConfigError([
            f"{keys} = {arch!r}: this machine builds {arch} images once it is set up for it; run "
            f"`make bootstrap-arm64` (qemu-user-static with binfmt_misc, the aarch64 cross linker, Krill for "
            f"{arch}, the {arch} base image: about 15 minutes, once). Missing: " + "; ".join(missing)])
