"""Prefix parsing, the propagation limits operators filter on, and the
special-purpose ranges no stack may announce (IANA's registries, RFC 6890).

The ranges are listed here rather than taken from Python's `is_private` /
`is_global`: those flags count the documentation ranges as private, and
documentation space is exactly what a lab world announces.
"""

from __future__ import annotations

import ipaddress

from . import iana_special
from .world import LAB_WORLD_HINT

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_net = ipaddress.ip_network

# Never announced or served on any internet, real or lab: IANA's
# special-purpose blocks (vendored and dated in iana_special.py).
NEVER_RANGES: list[tuple[IPNetwork, str]] = iana_special.entries(iana_special.IPV4 + iana_special.IPV6)
# Documentation space: what a lab world uses in place of real numbers.
LAB_ONLY_RANGES: list[tuple[IPNetwork, str]] = iana_special.entries(iana_special.DOCUMENTATION)
GLOBAL_UNICAST6 = _net("2000::/3")

# Longer announcements are dropped by nearly every network's import filter.
MAX_ANNOUNCED_LEN = {4: 24, 6: 48}


def parse_prefix(value: object) -> IPNetwork:
    """A network from text, refusing host bits; raises ValueError with the why."""
    if not isinstance(value, str):
        raise ValueError("must be a prefix string such as 2001:db8:100::/48")
    if "/" not in value:
        raise ValueError("missing prefix length; write it as address/length, e.g. 2001:db8:100::/48")
    try:
        return ipaddress.ip_network(value, strict=True)
    except ValueError as err:
        if "host bits set" in str(err):
            net = ipaddress.ip_network(value, strict=False)
            raise ValueError(f"has host bits set; did you mean {net}?") from None
        raise ValueError(f"is not a valid IPv4 or IPv6 prefix ({err})") from None


def announceable(net: IPNetwork) -> IPNetwork:
    """`net` if it can be announced to the internet, else ValueError."""
    limit = MAX_ANNOUNCED_LEN[net.version]
    if net.prefixlen > limit:
        raise ValueError(
            f"/{net.prefixlen} will not propagate: IPv{net.version} announcements longer than "
            f"/{limit} are filtered by most networks; announce a /{limit} or shorter"
        )
    return net


def parse_ip(value: object, version: int | None = None) -> IPAddress:
    if not isinstance(value, str):
        raise ValueError("must be an IP address string")
    try:
        ip = ipaddress.ip_address(value)
    except ValueError:
        kind = f"IPv{version}" if version else "IP"
        raise ValueError(f"is not a valid {kind} address") from None
    if version is not None and ip.version != version:
        raise ValueError(f"must be an IPv{version} address")
    return ip


def _relation(net: IPNetwork, special: IPNetwork) -> str:
    return "is inside" if net.subnet_of(special) else "overlaps"


def special_problem(net: IPNetwork, lab_world: bool) -> str | None:
    """Why `net` (a prefix, or one address as a /32 or /128) cannot be
    announced or served, or None if it can.

    Args:
        net: the prefix.
        lab_world: whether the stack faces a lab world, where documentation
            space stands in for real prefixes.
    """
    shown = str(net.network_address) if net.prefixlen == net.max_prefixlen else str(net)
    if net.prefixlen == 0:
        return f"{net} is the default route, not a block you hold; announce your own prefix"
    found = [(special, what) for special, what in NEVER_RANGES
             if net.version == special.version and net.overlaps(special)]
    if found:
        # Name the most specific block that holds it (2001:2::/48, benchmarking,
        # not 2001::/23 around it); a prefix that only overlaps, the first.
        holding = sorted((f for f in found if net.subnet_of(f[0])), key=lambda f: -f[0].prefixlen)
        special, what = (holding or found)[0]
        return (f"{shown} {_relation(net, special)} {special}, {what}; use globally routable "
                "address space (IPv6 inside 2000::/3, public IPv4)")
    if net.version == 6 and not net.subnet_of(GLOBAL_UNICAST6):
        return f"{shown} is outside 2000::/3, the IPv6 global unicast space (RFC 4291); use a prefix inside it"
    if not lab_world:
        for special, what in LAB_ONLY_RANGES:
            if net.version == special.version and net.overlaps(special):
                return (f"{shown} {_relation(net, special)} {special}, {what}, and is allowed only in a "
                        f"stack that faces a lab world ({LAB_WORLD_HINT}); use your own public space")
    return None


def usable_prefix(net: IPNetwork, lab_world: bool) -> IPNetwork:
    """`net` if the stack may announce it (or sign a ROA for it), else ValueError."""
    problem = special_problem(net, lab_world)
    if problem:
        raise ValueError(problem)
    return net


def usable_address(ip: IPAddress, lab_world: bool) -> IPAddress:
    """`ip` if the stack may serve on it from its own space, else ValueError."""
    problem = special_problem(ipaddress.ip_network(ip), lab_world)
    if problem:
        raise ValueError(problem)
    return ip


def endpoint_problem(ip: IPAddress) -> str | None:
    """Why `ip` cannot be one end of a session or a next hop, or None.

    These three flags of Python's ipaddress are exact (unlike is_private).
    """
    if ip.is_unspecified:
        return f"{ip} is the unspecified address; give the real address of the machine"
    if ip.is_multicast:
        return f"{ip} is a multicast address; a session needs a unicast address"
    if ip.is_loopback:
        return f"{ip} is a loopback address, which never leaves the machine; give an address on the link"
    return None


def parse_endpoint(value: object, version: int | None = None) -> IPAddress:
    """An address one end of a BGP session (or a next hop) can have."""
    ip = parse_ip(value, version)
    problem = endpoint_problem(ip)
    if problem:
        raise ValueError(problem)
    return ip
