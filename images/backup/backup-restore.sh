#!/bin/bash
# backup-restore auto NEW_CA | backup-restore SNAPSHOT: run by `pulumi up`
# in home's backup container (docker exec), before Krill starts.
#
# auto: Krill's data is there: nothing to do. It is missing (a new disk)
#   and the repository has snapshots: the newest is restored. It is missing
#   and there is none: Krill starts a new CA. A new CA while backups exist
#   only with NEW_CA=true (krill.new_ca): otherwise this refuses, since the
#   new CA would have to be onboarded with the parent again.
# SNAPSHOT: that snapshot replaces the data (Krill is stopped first, by the
#   stack); what was there is kept beside it, in /var/lib/personal-as/backup.
#
# As the uid that owns /var/lib/krill, with the password from the
# container's private copy (backup-client made it).
set -euo pipefail
data=/var/lib/krill
work=/var/lib/personal-as/backup
export RESTIC_CACHE_DIR=$work/cache HOME=$work RESTIC_PASSWORD_FILE=/dev/shm/restic-password
if [ "$(id -u)" = 0 ]; then
  owner=$(stat -c %u:%g "$data")
  [ "${owner%%:*}" != 0 ] || owner="$(id -u krill):$(id -g krill)"
  exec setpriv --reuid="${owner%%:*}" --regid="${owner#*:}" --clear-groups "$0" "$@"
fi
has_ca() { [ -n "$(find "$data" -mindepth 1 -maxdepth 1 -print -quit 2>/dev/null)" ]; }

if [ "${1:-}" = auto ] && has_ca; then echo "present"; exit 0; fi
if [ "${1:-}" = auto ] && [ "${2:-false}" = true ]; then echo "new CA: krill.new_ca is set"; exit 0; fi

# The repository answers once the tunnel is up: a minute at most.
snapshots=""
for _ in $(seq 1 30); do
  if snapshots=$(restic snapshots --json --tag krill 2>"$work/restore-error"); then break; fi
  if grep -qiE 'does not exist|no such file|Is there a repository' "$work/restore-error"; then
    snapshots='[]'; break  # no repository yet: no backup was ever taken
  fi
  snapshots=""
  sleep 2
done
if [ -z "$snapshots" ]; then
  echo "backup-restore: Krill's data is missing and the backup repository did not answer" \
       "($(tail -n 1 "$work/restore-error")), so whether a backup exists is unknown: Krill is not started." \
       "Make the repository reachable, or set krill.new_ca: true for a new CA (onboarded with your parent again)" >&2
  exit 1
fi
# restic lists snapshots oldest first; each has one "id".
ids() { printf '%s' "$snapshots" | grep -o '"id":"[0-9a-f]*"' | cut -d'"' -f4; }
newest=$(ids | tail -n 1)

restore() {  # snapshot id
  rm -rf "$work/restoring"
  restic restore "$1:$work/krill" --target "$work/restoring" >&2
  if has_ca; then
    local aside
    aside="$work/krill-before-${1:0:8}-$(date -u +%Y%m%dT%H%M%SZ)"
    mkdir -p "$aside"
    find "$data" -mindepth 1 -maxdepth 1 -exec mv -t "$aside" {} +
    echo "backup-restore: the data that was there is kept in $aside" >&2
  fi
  find "$work/restoring" -mindepth 1 -maxdepth 1 -exec mv -t "$data" {} +
  rm -rf "$work/restoring"
  echo "restored ${1:0:8}"
}

case "${1:-}" in
auto)
  if [ -z "$newest" ]; then echo "new CA: no backup exists"; exit 0; fi
  restore "$newest" ;;
[0-9a-f]*)
  hits=$(ids | grep "^$1" || true)
  if [ -z "$hits" ] || [ "$(printf '%s\n' "$hits" | wc -l)" != 1 ]; then
    echo "backup-restore: krill.restore_snapshot=$1 is not one snapshot of the repository; there are:" \
         "$(ids | cut -c1-8 | tr '\n' ' ')" >&2
    exit 1
  fi
  restore "$hits" ;;
*)
  echo "usage: backup-restore auto NEW_CA | backup-restore SNAPSHOT" >&2; exit 2 ;;
esac
