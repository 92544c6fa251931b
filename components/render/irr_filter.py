"""Transit's IRR prefix list: bgpq4's BIRD output turned into the file
transit's bird.conf includes (`/etc/bird/irr/IRR_AS<asn>_V6.conf`). Pure.

bgpq4 -b prints `NAME = [ ... ];` without BIRD's `define`, and prints
nothing at all when the registry has no route object for the AS: that must
become an empty set (which accepts nothing), never a missing definition
that fails the whole config.
"""

from __future__ import annotations

import re

IRR_DIR = "/etc/bird/irr"


def irr_set_name(asn: int, version: int) -> str:
    return f"IRR_AS{asn}_V{version}"


def irr_file(asn: int, version: int) -> str:
    return f"{IRR_DIR}/{irr_set_name(asn, version)}.conf"


def bgpq4_command(asn: int, version: int, host: str, source: str, as_set: str | None = None) -> list[str]:
    """bgpq4 against the registry: the AS's (or as-set's) route objects,
    as a BIRD prefix set, more-specifics not allowed."""
    return ["bgpq4", "-h", host, "-S", source, f"-{version}", "-b", "-l", irr_set_name(asn, version),
            as_set or f"AS{asn}"]


def irr_set_from_bgpq4(asn: int, version: int, output: str) -> str:
    """The include file for bgpq4's output; refuses anything but a prefix set."""
    name = irr_set_name(asn, version)
    text = output.strip()
    if not text:
        return f"# No route objects for AS{asn} in the registry: nothing is accepted.\ndefine {name} = [];\n"
    if not re.fullmatch(rf"{name} = \[[0-9a-fA-F:./{{}},\s]*\];", text):
        raise ValueError(f"bgpq4 printed something other than a prefix set named {name}: {text[:200]!r}")
    return f"# From the routing registry by bgpq4; replaced on every refresh.\ndefine {text}\n"
