#!/usr/bin/env bash
# `make topology`: the lab stack's topology, drawn by Graphviz from the
# stack's own plan, as docs/topology-lab.svg. The DOT source travels inside
# the SVG (its <metadata>), so a unit test can tell a stale picture.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-packages.sh graphviz
# shellcheck disable=SC1091
source scripts/env.sh
mkdir -p docs
python scripts/draw_topology.py stacks/Pulumi.lab.yaml docs/topology-lab.svg
echo "wrote docs/topology-lab.svg"
