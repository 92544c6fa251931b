#!/usr/bin/env bash
# lab-twin.sh NAME NET [PROFILE]: a second lab stack for the lab tier's
# second lane, the committed lab stack with a management network of its
# own. Written from stacks/Pulumi.lab.yaml on every run (gitignored), so the
# two never drift apart; secrets stay as they are (same passphrase, same salt).
# PROFILE vultr: the upstream session as Vultr's: a private session ASN
# (64515) with the lab transit's public one as path_asn (the lab's gw and
# transit play it from that config; the lab stack itself plays a provider
# that wants a given source address).
set -euo pipefail
cd "$(dirname "$0")/.."
name="$1" net="$2" profile="${3:-}"
out="stacks/Pulumi.$name.yaml"
python3 - "$out" "$net" "$profile" <<'PY'
import sys
from pathlib import Path
out, net, profile = sys.argv[1], sys.argv[2], sys.argv[3]
lines = Path("stacks/Pulumi.lab.yaml").read_text().splitlines(keepends=True)
if any(l.startswith("  personal-as:lab_mgmt_net:") for l in lines):
    sys.exit("stacks/Pulumi.lab.yaml sets lab_mgmt_net; the twin needs a network of its own")
i = lines.index("config:\n") + 1
text = "".join([f"# Written by scripts/lab-twin.sh from Pulumi.lab.yaml: edit that one.\n",
                *lines[:i], f"  personal-as:lab_mgmt_net: {net}\n", *lines[i:]])
if profile == "vultr":
    transit = "      asn: 64496\n"
    if transit not in text:
        sys.exit("stacks/Pulumi.lab.yaml: upstreams[0] is no longer AS64496; the vultr profile cannot stand in for it")
    text = text.replace(transit, "      asn: 64515          # Vultr-like: a private session ASN...\n"
                                 "      path_asn: 64496     # ...and the public one the paths show\n", 1)
elif profile:
    sys.exit(f"lab-twin.sh: unknown profile {profile!r} (vultr)")
tmp = Path(out + ".tmp")
tmp.write_text(text)
tmp.replace(out)
PY
