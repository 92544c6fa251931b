"""IANA's special-purpose address registries, vendored.

Sources (no route to IANA from where this project is tested, so the tables
are kept here and dated, not fetched):
- IPv4: https://www.iana.org/assignments/iana-ipv4-special-registry/
- IPv6: https://www.iana.org/assignments/iana-ipv6-special-registry/
Transcribed 2026-12-04 from the registries as then published (RFC 6890's
form, with the later additions each entry's RFC names). When IANA adds an
entry, add it here with its RFC: tests/unit/test_iana_special.py checks
that every entry is refused as a prefix, route0 and a blackhole address.

Each entry: (block, name, RFC). Documentation blocks the lab world uses in
place of real numbers (RFC 3849, RFC 5737) are listed apart, in
`DOCUMENTATION`: a lab world may use them, nothing else may.
"""

from __future__ import annotations

import ipaddress

REGISTRY_DATE = "2026-12-04"

IPV4: tuple[tuple[str, str, str], ...] = (
    ("0.0.0.0/8", "'this network'", "RFC 791"),
    ("0.0.0.0/32", "'this host on this network'", "RFC 1122"),
    ("10.0.0.0/8", "private", "RFC 1918"),
    ("100.64.0.0/10", "shared CGNAT space", "RFC 6598"),
    ("127.0.0.0/8", "loopback", "RFC 1122"),
    ("169.254.0.0/16", "link-local", "RFC 3927"),
    ("172.16.0.0/12", "private", "RFC 1918"),
    ("192.0.0.0/24", "IETF protocol assignments", "RFC 6890"),
    ("192.0.0.0/29", "IPv4 service continuity prefix (DS-Lite)", "RFC 7335"),
    ("192.0.0.8/32", "IPv4 dummy address", "RFC 7600"),
    ("192.0.0.9/32", "port control protocol anycast", "RFC 7723"),
    ("192.0.0.10/32", "traversal using relays around NAT anycast", "RFC 8155"),
    ("192.0.0.170/32", "NAT64/DNS64 discovery", "RFC 8880"),
    ("192.0.0.171/32", "NAT64/DNS64 discovery", "RFC 8880"),
    ("192.31.196.0/24", "AS112-v4", "RFC 7535"),
    ("192.52.193.0/24", "AMT", "RFC 7450"),
    ("192.88.99.0/24", "deprecated 6to4 relay anycast", "RFC 7526"),
    ("192.168.0.0/16", "private", "RFC 1918"),
    ("192.175.48.0/24", "direct delegation AS112 service", "RFC 7534"),
    ("198.18.0.0/15", "benchmarking", "RFC 2544"),
    ("224.0.0.0/4", "multicast", "RFC 5771"),
    ("240.0.0.0/4", "reserved", "RFC 1112"),
    ("255.255.255.255/32", "limited broadcast", "RFC 919"),
)

IPV6: tuple[tuple[str, str, str], ...] = (
    ("::1/128", "loopback", "RFC 4291"),
    ("::/128", "the unspecified address", "RFC 4291"),
    ("::ffff:0:0/96", "IPv4-mapped address", "RFC 4291"),
    ("64:ff9b::/96", "IPv4-IPv6 translation", "RFC 6052"),
    ("64:ff9b:1::/48", "IPv4-IPv6 translation (local use)", "RFC 8215"),
    ("100::/64", "discard-only address block", "RFC 6666"),
    ("100:0:0:1::/64", "dummy IPv6 prefix", "RFC 9780"),
    ("2001::/23", "IETF protocol assignments", "RFC 2928"),
    ("2001::/32", "TEREDO", "RFC 4380"),
    ("2001:1::1/128", "port control protocol anycast", "RFC 7723"),
    ("2001:1::2/128", "traversal using relays around NAT anycast", "RFC 8155"),
    ("2001:1::3/128", "DNS-SD service registration protocol anycast", "RFC 9665"),
    ("2001:2::/48", "benchmarking", "RFC 5180"),
    ("2001:3::/32", "AMT", "RFC 7450"),
    ("2001:4:112::/48", "AS112-v6", "RFC 7535"),
    ("2001:10::/28", "deprecated ORCHID", "RFC 4843"),
    ("2001:20::/28", "ORCHIDv2", "RFC 7343"),
    ("2001:30::/28", "drone remote ID protocol entity tags", "RFC 9374"),
    ("2002::/16", "6to4", "RFC 3056"),
    ("2620:4f:8000::/48", "direct delegation AS112 service", "RFC 7534"),
    # Documentation too, but not the lab's: the lab world uses 2001:db8::/32 only.
    ("3fff::/20", "documentation", "RFC 9637"),
    ("5f00::/16", "segment routing (SRv6) SIDs", "RFC 9602"),
    ("fc00::/7", "unique local (ULA), never routed on the internet", "RFC 4193"),
    ("fe80::/10", "link-local unicast", "RFC 4291"),
    # Not in the special-purpose registry (multicast has a registry of its
    # own), but never a unicast block either.
    ("ff00::/8", "multicast", "RFC 4291"),
)

DOCUMENTATION: tuple[tuple[str, str, str], ...] = (
    ("192.0.2.0/24", "documentation (TEST-NET-1)", "RFC 5737"),
    ("198.51.100.0/24", "documentation (TEST-NET-2)", "RFC 5737"),
    ("203.0.113.0/24", "documentation (TEST-NET-3)", "RFC 5737"),
    ("2001:db8::/32", "documentation", "RFC 3849"),
)


def entries(table) -> list[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str]]:
    """(network, "name (RFC n)") for each entry of a table."""
    return [(ipaddress.ip_network(block), f"{name} ({rfc})") for block, name, rfc in table]
