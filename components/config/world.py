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

import ipaddress
from collections.abc import Mapping

LAB_WORLD_HINT = "lab_world: true; the default when every hosts.*.kind is lab"
# The lab's second upstream: peer AS64497's router, on a link of its own to
# a container vps (a QEMU guest has one lab NIC, so only the lab stack).
LAB_PEER_ASN = 64497
# transit's link to gw: an IPv6 session to transit (BuyVM-like) goes to an address on it.
LAB_TRANSIT_LINK6 = "2001:db8:ffff:2::/64"
LAB_PEER_NEIGHBOR = "2001:db8:ffff:6::1"
LAB_PEER_LINK_VPS = "2001:db8:ffff:6::10"


# The machine reaches a lab world's hosts over a bridge on a documentation
# /28 (RFC 5737). Each stack that runs a world at the same time needs its own.
LAB_MGMT_NET_DEFAULT = "203.0.113.224/28"
LAB_MGMT_SPACE = ipaddress.ip_network("203.0.113.0/24")
# scripts/guests/common.sh: the bridge of the vmlab guests themselves.
GUESTS_MGMT_NET = ipaddress.ip_network("203.0.113.240/28")


def check_lab_mgmt_net(value: str, lab_world: bool) -> str:
    """`lab_mgmt_net` in its normal form, or a ValueError saying what is valid."""
    valid = (f"a /28 inside {LAB_MGMT_SPACE} (documentation space) other than {GUESTS_MGMT_NET} "
             f"(the vmlab guests' own), e.g. {LAB_MGMT_NET_DEFAULT} or 203.0.113.208/28")
    if not lab_world and value != LAB_MGMT_NET_DEFAULT:
        raise ValueError(f"only a stack that faces a lab world has a management network ({LAB_WORLD_HINT})")
    try:
        net = ipaddress.ip_network(value, strict=True)
    except ValueError:
        raise ValueError(f"{value!r} is not a network with its host bits zero; use {valid}") from None
    if net.version != 4 or net.prefixlen != 28 or not net.subnet_of(LAB_MGMT_SPACE) or net == GUESTS_MGMT_NET:
        raise ValueError(f"{value} cannot be used; use {valid}")
    return str(net)


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
