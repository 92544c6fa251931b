#!/usr/bin/env bash
# lab-twin.sh NAME NET: a second lab stack for the lab tier's second lane,
# the committed lab stack with a management network of its own. Written
# from stacks/Pulumi.lab.yaml on every run (gitignored), so the two never
# drift apart; secrets stay as they are (same passphrase, same salt).
set -euo pipefail
cd "$(dirname "$0")/.."
name="$1" net="$2"
out="stacks/Pulumi.$name.yaml"
python3 - "$out" "$net" <<'PY'
import sys
from pathlib import Path
out, net = sys.argv[1], sys.argv[2]
lines = Path("stacks/Pulumi.lab.yaml").read_text().splitlines(keepends=True)
if any(l.startswith("  personal-as:lab_mgmt_net:") for l in lines):
    sys.exit("stacks/Pulumi.lab.yaml sets lab_mgmt_net; the twin needs a network of its own")
i = lines.index("config:\n") + 1
text = "".join([f"# Written by scripts/lab-twin.sh from Pulumi.lab.yaml: edit that one.\n",
                *lines[:i], f"  personal-as:lab_mgmt_net: {net}\n", *lines[i:]])
tmp = Path(out + ".tmp")
tmp.write_text(text)
tmp.replace(out)
PY
