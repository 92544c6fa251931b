#!/bin/sh
# backup-server serve PORT MAX_BYTES: restic's rest-server on vps, on its
#   loopback only, append-only: a client (home, through its SSH tunnel) can
#   add snapshots and never delete or rewrite one. No HTTP auth: nothing
#   but vps's own loopback reaches it, and what it holds is encrypted by
#   restic before it leaves home. --max-size keeps a runaway client from
#   filling vps's disk.
# backup-server prune HOURLY DAILY MONTHLY: retention, run by `pulumi up`
#   (docker exec): `restic forget --prune` on the repository's files here,
#   with the password on stdin, never stored on vps.
# backup-server count: the number of snapshots (no password needed), for
#   the stack's drift check.
# Both run as the uid that owns the data directory on the host.
set -eu
data=/var/lib/personal-as/backup
owner=$(stat -c %u:%g "$data")
if [ "${owner%%:*}" = 0 ]; then
  echo "backup-server: $data belongs to root; the stack makes it its backup user's" >&2
  exit 1
fi
as_owner() { exec setpriv --reuid="${owner%%:*}" --regid="${owner#*:}" --clear-groups "$@"; }
case "${1:-}" in
serve)
  as_owner restic-rest-server --path "$data" --listen "127.0.0.1:$2" --append-only --no-auth --max-size "$3" ;;
prune)
  # The password from stdin into this process's environment only (the
  # owner's uid cannot open root's stdin once setpriv has run). Read first,
  # whatever follows: the stack writes it as the command starts.
  RESTIC_PASSWORD=
  IFS= read -r RESTIC_PASSWORD || [ -n "$RESTIC_PASSWORD" ]
  # No repository yet: home has not taken its first snapshot.
  if [ ! -f "$data/config" ]; then echo "backup-server: no repository yet; nothing to prune"; exit 0; fi
  export RESTIC_PASSWORD RESTIC_CACHE_DIR=/tmp/restic-cache
  # --retry-lock: home may be taking a snapshot (a shared lock) just now.
  as_owner restic --repo "$data" --retry-lock 2m forget --prune --tag krill \
    --group-by host --keep-hourly "$2" --keep-daily "$3" --keep-monthly "$4" ;;
count)
  find "$data/snapshots" -type f 2>/dev/null | wc -l ;;
*)
  echo "usage: backup-server serve PORT MAX_BYTES | prune HOURLY DAILY MONTHLY | count" >&2; exit 2 ;;
esac
