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
  # Up first, then every host verified (destructive checks included), then
  # changes to the running lab, and destroy last.
  python -m pytest tests/lab/test_0_up.py -v -p no:cacheprovider
  python -m pytest tests/infra -v -p no:cacheprovider
  python -m pytest tests/lab/test_1a_bad_input.py tests/lab/test_1_changes.py tests/lab/test_2_bad_change.py \
    tests/lab/test_4_rov_flip.py tests/lab/test_5_secrets.py tests/lab/test_6_restarts.py tests/lab/test_7_faults.py \
    -v -p no:cacheprovider
  # Each in its own process: they destroy or lose the state, and a new state
  # means a new SSH key that session-wide fixtures would not see.
  python -m pytest tests/lab/test_8_interrupted_up.py -v -p no:cacheprovider
  python -m pytest tests/lab/test_8_lost_state.py tests/lab/test_9_destroy.py -v -p no:cacheprovider
fi
