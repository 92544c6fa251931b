#!/usr/bin/env python3
"""rpki-status JSON OUT PREFIX=ASN...: the user's own prefixes as the
world's validators see them. Reads rpki-client's JSON output (its VRPs),
decides each prefix's RPKI state for its origin by RFC 6811, and writes
Prometheus metrics for node_exporter's textfile collector to OUT
(atomically: a scrape never sees half a file).

RFC 6811: a VRP *covers* a route when the route lies inside the VRP's
prefix; it *matches* when it covers, its AS is the route's origin (never
AS0) and the route is no longer than its max length. VALID: some VRP
matches; INVALID: some cover, none match; NOT_FOUND: none cover."""

from __future__ import annotations

import ipaddress
import json
import os
import sys
import time


def covering(prefix: str, vrps: list[dict]) -> list[dict]:
    """The VRPs whose prefix contains `prefix` (same family)."""
    route = ipaddress.ip_network(prefix)
    out = []
    for v in vrps:
        net = ipaddress.ip_network(v["prefix"])
        if net.version == route.version and route.subnet_of(net):
            out.append(v)
    return out


def state(prefix: str, origin: int, vrps: list[dict]) -> tuple[str, int]:
    """(valid|invalid|not_found, how many VRPs cover the prefix)."""
    route = ipaddress.ip_network(prefix)
    covering_ = covering(prefix, vrps)
    if any(int(v["asn"]) == origin and origin != 0 and route.prefixlen <= int(v["maxLength"]) for v in covering_):
        return "valid", len(covering_)
    return ("invalid" if covering_ else "not_found"), len(covering_)


def metrics(vrps: list[dict], own: list[tuple[str, int]], now: float) -> str:
    lines = [
        "# HELP personal_as_rpki_prefix_valid 1 if the prefix is RPKI-valid for its origin (RFC 6811).",
        "# TYPE personal_as_rpki_prefix_valid gauge",
    ]
    counts, each = [], []
    for prefix, origin in own:
        st, n = state(prefix, origin, vrps)
        labels = f'prefix="{prefix}",origin="{origin}",state="{st}"'
        lines.append(f"personal_as_rpki_prefix_valid{{{labels}}} {1 if st == 'valid' else 0}")
        counts.append(f'personal_as_rpki_prefix_vrps{{prefix="{prefix}"}} {n}')
        # Which ROAs the world sees for it (the status page lists them).
        for v in sorted(covering(prefix, vrps), key=lambda v: (v["prefix"], int(v["asn"]), int(v["maxLength"]))):
            each.append(f'personal_as_rpki_prefix_vrp{{prefix="{prefix}",vrp_prefix="{v["prefix"]}",'
                        f'asn="{int(v["asn"])}",max_length="{int(v["maxLength"])}"}} 1')
    lines += ["# HELP personal_as_rpki_prefix_vrps VRPs covering the prefix.",
              "# TYPE personal_as_rpki_prefix_vrps gauge", *counts,
              "# HELP personal_as_rpki_prefix_vrp One VRP covering the prefix: its prefix, origin AS and max length.",
              "# TYPE personal_as_rpki_prefix_vrp gauge", *sorted(set(each)),
              "# HELP personal_as_rpki_vrps VRPs the relying party validated in all.",
              "# TYPE personal_as_rpki_vrps gauge", f"personal_as_rpki_vrps {len(vrps)}",
              "# HELP personal_as_rpki_last_run_timestamp_seconds When the states were last computed.",
              "# TYPE personal_as_rpki_last_run_timestamp_seconds gauge",
              f"personal_as_rpki_last_run_timestamp_seconds {now:.0f}"]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    source, out, own_args = argv[1], argv[2], argv[3:]
    own = [(p, int(a)) for p, a in (x.split("=", 1) for x in own_args)]
    with open(source, encoding="utf-8") as f:
        vrps = json.load(f)["roas"]
    tmp = f"{out}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(metrics(vrps, own, time.time()))
    os.chmod(tmp, 0o644)
    os.replace(tmp, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
