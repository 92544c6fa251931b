"""What preview reads from a real host before anything is installed on it:
its release, its architecture and the network stack that brings its
interfaces up at boot (the same lines the network's apply script runs,
netstack-detect.sh.j2), and what of that the stack cannot work with."""

from __future__ import annotations

from dataclasses import dataclass

from .env import render

NETSTACKS = {"networkd": "systemd-networkd", "nm": "NetworkManager", "ifupdown": "ifupdown"}


def probe_script() -> str:
    return ("set -u\n"
            ". /etc/os-release 2>/dev/null || true\n"
            "echo \"os=${ID:-unknown}\"\n"
            "echo \"version=${VERSION_ID:-unknown}\"\n"
            "echo \"arch=$(uname -m)\"\n"
            + render("netstack-detect.sh.j2")
            + "echo \"netstack=$netstack\"\n")


@dataclass(frozen=True)
class Platform:
    os: str
    version: str
    arch: str
    netstack: str  # networkd | nm | ifupdown | none


def parse_probe(out: str) -> Platform:
    values = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    missing = [k for k in ("os", "version", "arch", "netstack") if k not in values]
    if missing:
        raise ValueError(f"the platform probe did not say {', '.join(missing)}: {out[-500:]!r}")
    return Platform(values["os"], values["version"], values["arch"], values["netstack"])


def problems(platform: Platform, host: str, address: str) -> list[str]:
    """What the stack cannot work with on this host, one line each, keyed
    by the host's config."""
    found = []
    if platform.netstack not in NETSTACKS:
        found.append(
            f"hosts.{host}: {address} has no network stack personal-as can keep its interfaces in across a "
            "reboot: systemd-networkd is not enabled, NetworkManager is not running, and ifupdown does not read "
            "/etc/network/interfaces.d/. Use one of the three (Debian's default is ifupdown with "
            "'source /etc/network/interfaces.d/*'), then run preview again. Nothing was changed.")
    return found
