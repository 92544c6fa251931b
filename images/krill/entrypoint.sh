#!/bin/sh
# Starts Krill as the uid that owns its data on the host, never as root.
#
# On a real host the stack creates a system user `krill` with whatever uid is
# free there, and makes /var/lib/krill and krill.conf (0600) that user's. The
# image's own krill is uid 181: follow the owner of the data directory by
# number (setpriv needs no passwd entry, so the image's files stay as built
# and its root file system read-only), then drop root for good.
#
# With backups (BACKUP_DIR, home's backup client's directory), before Krill
# starts, as Krill's uid:
# - a restore the client staged there is put in place (what was in the data
#   directory is kept beside it, in BACKUP_DIR);
# - a named one (RESTORE_SNAPSHOT, krill.restore_snapshot) not done yet is
#   waited for;
# - an empty data directory is a new CA only when the client found no
#   backup, or KRILL_NEW_CA is true: otherwise Krill waits for the client to
#   stage the newest snapshot. Never a new CA while a backup exists.
set -eu
data=/var/lib/krill
if [ "$(id -u)" = 0 ]; then
  owner=$(stat -c %u:%g "$data")
  if [ "${owner%%:*}" = 0 ]; then
    owner="$(id -u krill):$(id -g krill)"
  fi
  echo "entrypoint: krill runs as $owner, the owner of $data on this host" >&2
  exec setpriv --reuid="${owner%%:*}" --regid="${owner#*:}" --clear-groups "$0" "$@"
fi

# A CA is files: an empty tree (the image's own /var/lib/krill/data, copied
# into a fresh volume) is none.
has_ca() { [ -n "$(find "$data" -type f -print -quit 2>/dev/null)" ]; }

restore_staged() {
  staged="$BACKUP_DIR/staged"
  [ -f "$staged/.complete" ] || return 1
  what=$(cat "$staged/.complete")
  rm -f "$staged/.complete"
  if has_ca; then
    aside="$BACKUP_DIR/krill-before-restore-$(date -u +%Y%m%dT%H%M%SZ)"
    mkdir -p "$aside"
    find "$data" -mindepth 1 -maxdepth 1 -exec mv -t "$aside" {} +
    echo "entrypoint: the data that was in $data is kept in $aside" >&2
  else
    find "$data" -mindepth 1 -depth -type d -empty -delete  # an empty tree is no CA
  fi
  find "$staged" -mindepth 1 -maxdepth 1 -exec mv -t "$data" {} +
  rmdir "$staged"
  echo "$what" >"$BACKUP_DIR/restored-${what%% *}"
  echo "entrypoint: restored the backup snapshot $what into $data" >&2
}

if [ -n "${BACKUP_DIR:-}" ]; then
  waited=0
  while :; do
    if restore_staged; then break; fi
    verdict=$(cat "$BACKUP_DIR/verdict" 2>/dev/null || true)
    if [ -n "${RESTORE_SNAPSHOT:-}" ] && [ ! -e "$BACKUP_DIR/restored-$RESTORE_SNAPSHOT" ]; then
      why="the snapshot krill.restore_snapshot names ($RESTORE_SNAPSHOT)"
    elif has_ca; then
      break
    elif [ "${KRILL_NEW_CA:-false}" = true ]; then
      echo "entrypoint: no data, and krill.new_ca is set: Krill makes a new CA" >&2; break
    elif [ "$verdict" = none ]; then
      echo "entrypoint: no data and no backup: Krill starts empty" >&2; break
    else
      why="the newest backup (no data here; the backup client says: ${verdict:-nothing yet})"
    fi
    if [ "$waited" -ge "${RESTORE_WAIT_S:-600}" ]; then
      echo "entrypoint: waited ${waited}s for $why; Krill does not start without it." \
           "Is the backup repository reachable (docker logs of the backup container)? A new, empty CA" \
           "instead needs krill.new_ca: true, and onboarding with the parent again." >&2
      exit 1
    fi
    [ $((waited % 30)) != 0 ] || echo "entrypoint: waiting for $why" >&2
    sleep 2
    waited=$((waited + 2))
  done
fi
exec krill --config /etc/krill/krill.conf "$@"
