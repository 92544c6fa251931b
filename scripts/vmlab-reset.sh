#!/usr/bin/env bash
# Forget the guests' stacks: pristine guest disks, no state, no lab
# containers left from an earlier run. Two stacks run on the guests: vmlab
# (`make vmlab`; its config file is kept) and guide (the vmlab tier's run of
# the prod guide, docs/prod.md, which writes its config file and its user's
# home itself: both go, so the next run starts as a new user).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck disable=SC1091
source scripts/env.sh
cache="${PERSONAL_AS_CACHE:-$HOME/.cache/personal-as}"
bash scripts/guests/vmlab.sh fresh
for stack in vmlab guide; do
  if pulumi stack ls --json 2>/dev/null | grep -q "\"name\": \"$stack\""; then
    # The state is being thrown away: a lock left on it goes too.
    pulumi cancel --stack "$stack" --yes --non-interactive >/dev/null 2>&1 || true
    pulumi stack rm "$stack" --force --yes --preserve-config --non-interactive >/dev/null
  fi
  ids=$(docker ps -aq --filter "label=personal-as.stack=$stack")
  [ -z "$ids" ] || docker rm -f $ids >/dev/null
  vols=$(docker volume ls -q --filter "label=personal-as.stack=$stack")
  [ -z "$vols" ] || docker volume rm -f $vols >/dev/null
  ip link del "pas-$stack" 2>/dev/null || true
done
rm -rf stacks/Pulumi.guide.yaml "$cache/guide"
echo "vmlab reset: pristine guests, no state"
