#!/usr/bin/env bash
# `make vmlab`: real Debian machines (QEMU guests) as the user's vps and home,
# inside the lab world, reached by the same `kind: ssh` code a user runs.
# Builds and boots the guests, runs `pulumi up --stack vmlab`, then verifies.
#   scripts/vmlab.sh [--fresh]   --fresh: start from pristine guest disks and a new state
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck disable=SC1091
source scripts/env.sh
t0=$SECONDS
bash scripts/guests/vmlab.sh build
# A stack with no state has never set these machines up: whatever their kept
# disks hold (a Krill CA from another lab world's RIR) belongs to a world that
# is gone, so start them pristine too.
if [ "${1:-}" = --fresh ] || ! pulumi stack export --stack vmlab 2>/dev/null | python3 -c '
import json, sys
# No stack yet (a fresh clone) prints nothing: that is "no state", not an error.
try:
    state = json.load(sys.stdin)
except ValueError:
    sys.exit(1)
sys.exit(0 if state.get("deployment", {}).get("resources") else 1)'; then
  bash scripts/vmlab-reset.sh
fi
bash scripts/guests/vmlab.sh up
t_guests=$((SECONDS - t0))
pulumi stack select --create vmlab --non-interactive >/dev/null
bash scripts/pulumi-recover.sh vmlab
echo "== pulumi up --stack vmlab"
t1=$SECONDS
pulumi up --stack vmlab --yes --non-interactive --skip-preview
t_up=$((SECONDS - t1))
echo "== verifying vps and home (real guests) and the lab world with testinfra"
PERSONAL_AS_STACK=vmlab python -m pytest tests/infra tests/vmlab -v -p no:cacheprovider -m "not destructive"
echo "== vmlab is up and verified: guests ${t_guests}s, pulumi up ${t_up}s, all $((SECONDS - t0))s;" \
  "route0: $(pulumi stack output route0_url --stack vmlab)"
