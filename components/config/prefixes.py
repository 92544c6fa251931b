"""Prefix parsing and the propagation limits operators filter on."""

from __future__ import annotations

import ipaddress

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

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


def parse_ip(value: object, version: int | None = None) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
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
