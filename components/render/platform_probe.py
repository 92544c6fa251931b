"""What preview reads from a real host before anything is installed on it:
its release, its architecture and the network stack that brings its
interfaces up at boot (the same lines the network's apply script runs,
netstack-detect.sh.j2), and what of that the stack cannot work with."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from .env import render

NETSTACKS = {"networkd": "systemd-networkd", "nm": "NetworkManager", "ifupdown": "ifupdown"}


def probe_script() -> str:
    return ("set -u\n"
            ". /etc/os-release 2>/dev/null || true\n"
            "echo \"os=${ID:-unknown}\"\n"
            "echo \"version=${VERSION_ID:-unknown}\"\n"
            "echo \"arch=$(uname -m)\"\n"
            "if command -v apt-get >/dev/null 2>&1; then echo apt=yes; else echo apt=no; fi\n"
            + render("netstack-detect.sh.j2")
            + "echo \"netstack=$netstack\"\n")


# What is tested here (the README's Platforms table); anything else with
# apt-get goes ahead with a warning, as Ubuntu or Debian 14 most likely work.
TESTED = {("debian", "12"), ("debian", "13")}
# `uname -m` -> the images' architecture (config/arch.py's names).
IMAGE_ARCH = {"x86_64": "amd64", "aarch64": "arm64"}


@dataclass(frozen=True)
class Platform:
    os: str
    version: str
    arch: str  # as uname -m says it
    netstack: str  # networkd | nm | ifupdown | none
    apt: str = "yes"  # whether apt-get is there (a record from before it was probed: yes)

    @classmethod
    def of(cls, record: dict) -> Platform:
        """A platform recorded in the state."""
        return cls(**{f.name: record[f.name] for f in dataclasses.fields(cls) if f.name in record})


def parse_probe(out: str) -> Platform:
    values = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    missing = [k for k in ("os", "version", "arch", "netstack") if k not in values]
    if missing:
        raise ValueError(f"the platform probe did not say {', '.join(missing)}: {out[-500:]!r}")
    return Platform(values["os"], values["version"], values["arch"], values["netstack"], values.get("apt", "no"))


def problems(platform: Platform, host: str, address: str, arch: str) -> list[str]:
    """What the stack cannot work with on this host, one line each, keyed
    by the host's config (`arch`: hosts.<host>.arch)."""
    found = []
    if platform.apt != "yes":
        found.append(
            f"hosts.{host}: {address} runs {platform.os} {platform.version}, which has no apt-get: personal-as "
            "installs its packages with apt (tested on Debian 12 and 13; see the README's Platforms). "
            "Nothing was changed.")
    image_arch = IMAGE_ARCH.get(platform.arch)
    if image_arch is None:
        found.append(
            f"hosts.{host}: {address} is {platform.arch}: personal-as's images are amd64 (x86_64) and arm64 "
            "(aarch64) only. On a Raspberry Pi, install the 64-bit Raspberry Pi OS. Nothing was changed.")
    elif image_arch != arch:
        found.append(
            f"hosts.{host}: {address} is {platform.arch} ({image_arch}), but hosts.{host}.arch is {arch}: its "
            f"images would not start there ('exec format error'). Set hosts.{host}.arch: {image_arch}. "
            "Nothing was changed.")
    if platform.netstack not in NETSTACKS:
        found.append(
            f"hosts.{host}: {address} has no network stack personal-as can keep its interfaces in across a "
            "reboot: systemd-networkd is not enabled, NetworkManager is not running, and ifupdown does not read "
            "/etc/network/interfaces.d/. Use one of the three (Debian's default is ifupdown with "
            "'source /etc/network/interfaces.d/*'), then run preview again. Nothing was changed.")
    return found


def untested(platform: Platform, host: str, address: str) -> str | None:
    """A warning for a host the stack can work with but that is not tested here."""
    if (platform.os, platform.version) in TESTED or platform.apt != "yes":
        return None
    return (f"hosts.{host}: {address} runs {platform.os} {platform.version}: untested (tested here: Debian 12 "
            "and 13, see the README's Platforms); personal-as goes ahead")
