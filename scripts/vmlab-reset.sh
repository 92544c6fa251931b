#!/usr/bin/env bash
# Forget the vmlab stack's machines: pristine guest disks, no state, no lab
# containers left from an earlier run. The stack's config file is kept.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck disable=SC1091
source scripts/env.sh
bash scripts/guests/vmlab.sh fresh
if pulumi stack ls --json 2>/dev/null | grep -q '"name": "vmlab"'; then
  # The state is being thrown away: a lock left on it goes too.
  pulumi cancel --stack vmlab --yes --non-interactive >/dev/null 2>&1 || true
  pulumi stack rm vmlab --force --yes --preserve-config --non-interactive >/dev/null
fi
ids=$(docker ps -aq --filter label=personal-as.stack=vmlab)
[ -z "$ids" ] || docker rm -f $ids >/dev/null
vols=$(docker volume ls -q --filter label=personal-as.stack=vmlab)
[ -z "$vols" ] || docker volume rm -f $vols >/dev/null
ip link del pas-vmlab 2>/dev/null || true
echo "vmlab reset: pristine guests, no state"
