"""Whether a stack faces a lab world, decided from the raw config.

A stack *faces a lab world* (`lab_world`) when the lab's simulated internet
is around it: transit, peers, the RIR and the LIR are made by the stack, and
documentation ASNs and prefixes stand in for real ones. It is a *lab stack*
(`is_lab`) when, in addition, every host is a `kind: lab` container. A stack
of `kind: ssh` hosts may face a lab world too (its hosts are real machines,
such as VMs, cabled into the lab).

Both are decided before validation and passed in the validation context,
because they change which ASNs and prefixes are acceptable.
"""

from __future__ import annotations

from collections.abc import Mapping

LAB_WORLD_HINT = "lab_world: true; the default when every hosts.*.kind is lab"
# The lab's second upstream: peer AS64497's router, on a link of its own to
# a container vps (a QEMU guest has one lab NIC, so only the lab stack).
LAB_PEER_ASN = 64497
LAB_PEER_NEIGHBOR = "2001:db8:ffff:6::1"
LAB_PEER_LINK_VPS = "2001:db8:ffff:6::10"


def is_lab(raw: Mapping) -> bool:
    """A lab stack is one whose hosts are all `kind: lab`, whatever its name."""
    hosts = raw.get("hosts")
    if not isinstance(hosts, Mapping) or not hosts:
        return False
    return all(isinstance(h, Mapping) and h.get("kind") == "lab" for h in hosts.values())


def faces_lab_world(raw: Mapping) -> bool:
    """`lab_world` as set, else whether every host is `kind: lab`.

    A `lab_world` that is not a boolean is reported by validation; meanwhile
    the default rule decides.
    """
    value = raw.get("lab_world")
    return value if isinstance(value, bool) else is_lab(raw)
