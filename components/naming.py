"""Every name the stack gives a Docker object, from one pure function each.

Scripts, tests and users rely on these: lab containers are `<stack>-<host>`
and `<stack>-<host>-<service>`.
"""

from __future__ import annotations

import zlib

PROJECT = "personal-as"


def host_container(stack: str, host: str) -> str:
    return f"{stack}-{host}"


def service_container(stack: str, host: str, service: str) -> str:
    return f"{stack}-{host}-{service}"


def volume(stack: str, host: str, purpose: str) -> str:
    return f"{stack}-{host}-{purpose}"


def labels(stack: str, host: str | None = None, role: str | None = None) -> dict[str, str]:
    out = {"personal-as.project": PROJECT, "personal-as.stack": stack}
    if host:
        out["personal-as.host"] = host
    if role:
        out["personal-as.role"] = role
    return out


def mgmt_bridge(stack: str) -> str:
    # Linux interface names are at most 15 characters.
    return f"pas-{stack}"[:15]


def mgmt_port(stack: str, host: str) -> str:
    """The machine-side end of a host's management veth; stable across runs."""
    return f"pm{zlib.crc32(f'{stack}/{host}'.encode()):08x}"


def cable_port(stack: str, lab_host: str, guest: str) -> str:
    """The machine-side end of a cable from a lab host to a real machine."""
    return f"pc{zlib.crc32(f'{stack}/{lab_host}/{guest}'.encode()):08x}"
