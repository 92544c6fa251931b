#!/usr/bin/env bash
# `make test`: the unit tier, then the lab tier (real daemons, real Pulumi).
#   scripts/test.sh [unit|lab|all]
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck disable=SC1091
source scripts/env.sh
tier="${1:-all}"
if [ "$tier" = unit ] || [ "$tier" = all ]; then
  echo "== unit tier"
  python -m pytest tests/unit -q -p no:cacheprovider
fi
if [ "$tier" = lab ] || [ "$tier" = all ]; then
  echo "== lab tier"
  pulumi stack select --create lab --non-interactive >/dev/null
  bash scripts/pulumi-recover.sh lab
  python -m pytest tests/lab -v -p no:cacheprovider
fi
