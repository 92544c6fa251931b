"""The BGP policy keys an operator who follows MANRS expects: RFC 9234
roles, route-origin validation at the user's own edge, graceful shutdown
(RFC 8326), blackholing (RFC 7999), BFD and large communities (RFC 8092)."""

from __future__ import annotations

import re
from typing import Literal


# BIRD's `local role` values (RFC 9234 names, with _ for -).
Role = Literal["provider", "rs_server", "rs_client", "customer", "peer"]

# RFC 8326 GRACEFUL_SHUTDOWN, RFC 7999 BLACKHOLE, RFC 1997 NO_EXPORT.
GRACEFUL_SHUTDOWN = (65535, 0)
BLACKHOLE = (65535, 666)
NO_EXPORT = (65535, 65281)

# Detection time = multiplier x interval: 0.9 s, against a hold time of
# seconds to minutes. 300 ms is what transits commonly accept for multihop
# BFD across a path they do not control; faster invites flaps.
BFD_INTERVAL_MS = 300
BFD_MULTIPLIER = 3
# How long `pulumi up` waits after announcing GRACEFUL_SHUTDOWN by default:
# RFC 8326 leaves it to the operator; a few minutes lets every upstream's
# routers move traffic to the other paths before the session goes.
DEFAULT_DRAIN_S = 180

_LC = re.compile(r"^(\d+):(\d+):(\d+)$")
_U32 = 2**32 - 1


def parse_large_community(value: str) -> tuple[int, int, int]:
    """"ASN:x:y", each part 0..4294967295 (RFC 8092)."""
    m = _LC.fullmatch(value.strip()) if isinstance(value, str) else None
    if not m:
        raise ValueError(f"{value!r} is not a large community; write it as \"ASN:x:y\", e.g. \"65536:1:100\"")
    parts = tuple(int(p) for p in m.groups())
    if any(p > _U32 for p in parts):
        raise ValueError(f"{value!r}: each part of a large community is 0..{_U32}")
    if parts[0] in (0, 65535, _U32):
        raise ValueError(f"{value!r}: its first part is the AS that defines its meaning (yours, or an upstream's "
                         f"for its action communities), and AS{parts[0]} is reserved")
    return parts  # type: ignore[return-value]
