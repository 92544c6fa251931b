"""Autonomous System number rules (RFC 6793, RFC 7300, RFC 5398, RFC 6996)."""

from __future__ import annotations

from .world import LAB_WORLD_HINT

ASN_MAX = 4294967295

# Never valid on a BGP session, in any stack.
RESERVED = {
    0: "AS0 is reserved (RFC 7607)",
    23456: "AS23456 is AS_TRANS (RFC 6793), a placeholder for 4-byte ASNs",
    65535: "AS65535 is reserved (RFC 7300)",
    ASN_MAX: "AS4294967295 is reserved (RFC 7300)",
}
RESERVED_RANGES = [(65552, 131071, "reserved by IANA")]

# Fine in a lab world (the lab's simulated internet), never on the real one.
LAB_ONLY_RANGES = [
    (64496, 64511, "documentation (RFC 5398)"),
    (64512, 65534, "private (RFC 6996)"),
    (65536, 65551, "documentation (RFC 5398)"),
    (4200000000, 4294967294, "private (RFC 6996)"),
]

VALID_HINT = "a public ASN in 1..4294967294 (documentation/private ASNs only in a stack that faces a lab world)"


PRIVATE_RANGES = [(lo, hi) for lo, hi, what in LAB_ONLY_RANGES if what.startswith("private")]


def is_private(asn: int) -> bool:
    """A private-use ASN (RFC 6996)."""
    return any(lo <= asn <= hi for lo, hi in PRIVATE_RANGES)


def asn_problem(asn: int, lab_world: bool, private_ok: bool = False) -> str | None:
    """Why `asn` cannot be used, or None if it can.

    Args:
        asn: the number as configured.
        lab_world: whether the stack faces a lab world (`lab_world`), where
            documentation and private ASNs stand in for real ones.
        private_ok: a private ASN is fine on the real internet too: an
            upstream's session ASN, which the provider strips (Vultr's 64515).
    """
    if isinstance(asn, bool) or not isinstance(asn, int):
        return f"must be an integer, {VALID_HINT}"
    if asn < 0 or asn > ASN_MAX:
        return f"out of range; valid is {VALID_HINT}"
    if asn in RESERVED:
        return f"{RESERVED[asn]}; valid is {VALID_HINT}"
    for lo, hi, what in RESERVED_RANGES:
        if lo <= asn <= hi:
            return f"AS{asn} is {what}; valid is {VALID_HINT}"
    if not lab_world and not (private_ok and is_private(asn)):
        for lo, hi, what in LAB_ONLY_RANGES:
            if lo <= asn <= hi:
                return (
                    f"AS{asn} is {what} and is allowed only in a stack that faces a lab world "
                    f"({LAB_WORLD_HINT}); valid is {VALID_HINT}"
                )
    return None
