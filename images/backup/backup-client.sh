#!/bin/bash
# backup-client INTERVAL_S [KEY KNOWN_HOSTS SSH_PORT USER@VPS PORT]: the
# Krill CA's data, snapshotted by restic to RESTIC_REPOSITORY every
# INTERVAL_S seconds, and at once when the stack asks (it touches
# $work/request after each change it makes to Krill). With the tunnel
# arguments, the repository is vps's rest-server, reached through SSH with
# the stack's key to a user that may only forward to that one port.
#
# Runs as the uid that owns /var/lib/krill (it reads Krill's files, and
# writes nothing of Krill's). The password (RESTIC_PASSWORD_FILE, 0600 root
# on the host) and the key get private copies in this container's memory.
#
# Restores are staged here for Krill's entrypoint, which puts them in place
# before Krill starts (images/krill/entrypoint.sh): the newest snapshot
# when Krill's data is missing (a new disk), or the one RESTORE_SNAPSHOT
# names (krill.restore_snapshot), once. $work/verdict tells the entrypoint
# whether any backup exists: an empty CA starts only when none does.
#
# A consistent copy without stopping Krill: the data is copied to $work/krill
# and the copy kept only if nothing in the data changed while it was taken
# (the same inode, size and mtime for every file before and after). Krill
# writes each change as whole files in a few milliseconds; a copy that
# overlapped one is taken again. restic then snapshots the copy.
set -euo pipefail
data=${KRILL_DATA:-/var/lib/krill}  # (overridable for tests/unit/test_backup_client.py)
work=${BACKUP_WORK:-/var/lib/personal-as/backup}
tunnel() {  # KEY KNOWN_HOSTS SSH_PORT USER@VPS PORT, as nobody (ssh needs a user name)
  local key=$1 known=$2 ssh_port=$3 dest=$4 port=$5 rc
  while :; do
    rc=0
    ssh -N -i "$key" -p "$ssh_port" -o UserKnownHostsFile="$known" -o StrictHostKeyChecking=yes \
        -o BatchMode=yes -o ExitOnForwardFailure=yes -o ServerAliveInterval=5 -o ServerAliveCountMax=3 \
        -o ConnectTimeout=10 -L "127.0.0.1:$port:127.0.0.1:$port" "$dest" || rc=$?
    echo "backup-client: tunnel to $dest exited ($rc); again in 2 s" >&2
    sleep 2
  done
}
if [ "${1:-}" = --tunnel ]; then
  shift
  tunnel "$@"
fi
if [ "$(id -u)" = 0 ]; then
  owner=$(stat -c %u:%g "$data")
  if [ "${owner%%:*}" = 0 ]; then
    echo "backup-client: $data belongs to root; the stack makes it Krill's user's" >&2
    exit 1
  fi
  install -o "${owner%%:*}" -g "${owner#*:}" -m 0600 "$RESTIC_PASSWORD_FILE" /dev/shm/restic-password
  export RESTIC_PASSWORD_FILE=/dev/shm/restic-password
  if [ $# -gt 1 ]; then
    # The tunnel as nobody, with its own copy of the key: Krill's uid may
    # have no name in this image, and ssh wants one.
    install -o nobody -g nogroup -m 0600 "$2" /dev/shm/tunnel-key
    install -o nobody -g nogroup -m 0644 "$3" /dev/shm/known_hosts
    setpriv --reuid nobody --regid nogroup --clear-groups "$0" --tunnel /dev/shm/tunnel-key /dev/shm/known_hosts \
      "${@:4}" &
    set -- "$1"
  fi
  exec setpriv --reuid="${owner%%:*}" --regid="${owner#*:}" --clear-groups "$0" "$@"
fi
interval=$1
export RESTIC_CACHE_DIR=$work/cache HOME=$work
metrics=${BACKUP_METRICS_DIR:-$work/metrics}
mkdir -p "$metrics" "$RESTIC_CACHE_DIR"

# restic retries a repository that does not answer for up to 15 minutes:
# each call here is bounded instead, so a backup that cannot reach vps fails
# (and is reported, and tried again a minute later) within BACKUP_TIMEOUT_S.
restic_bin=$(type -P restic)
restic() { timeout --kill-after=5 "${BACKUP_TIMEOUT_S:-300}" "$restic_bin" "$@"; }

# A pause with no process of its own (bash's `read -t` on a FIFO nobody
# writes): the loop below wakes every few seconds for the stack's request.
fifo=$(mktemp -u /dev/shm/nap.XXXXXX)
mkfifo -m 600 "$fifo"
exec 9<>"$fifo"
rm -f "$fifo"
nap() { read -r -t "$1" -u 9 _ || true; }

# What Prometheus reads (node_exporter's textfile collector on home).
write_metrics() {  # last_ok(0/1) [success_time size_bytes]
  local tmp=$metrics/.backup.prom
  {
    echo "# HELP personal_as_backup_last_run_ok Whether the last backup of the Krill CA succeeded."
    echo "# TYPE personal_as_backup_last_run_ok gauge"
    echo "personal_as_backup_last_run_ok $1"
    if [ -n "${last_success:-}" ]; then
      echo "# HELP personal_as_backup_last_success_timestamp_seconds When the newest snapshot was taken."
      echo "# TYPE personal_as_backup_last_success_timestamp_seconds gauge"
      echo "personal_as_backup_last_success_timestamp_seconds $last_success"
      echo "# HELP personal_as_backup_size_bytes The Krill data in the newest snapshot."
      echo "# TYPE personal_as_backup_size_bytes gauge"
      echo "personal_as_backup_size_bytes ${last_size:-0}"
    fi
    echo "# HELP personal_as_backup_interval_seconds Seconds between scheduled backups."
    echo "# TYPE personal_as_backup_interval_seconds gauge"
    echo "personal_as_backup_interval_seconds $interval"
  } >"$tmp"
  mv -f "$tmp" "$metrics/backup.prom"
}

# A CA is files: an empty tree (a fresh volume's copy of an image's empty
# /var/lib/krill/data) is none.
has_ca() { [ -n "$(find "$data" -type f -print -quit 2>/dev/null)" ]; }
listing() { find "$data" -printf '%i %s %T@ %m %p\n' | sort; }

# The repository: made on first use (append-only allows that), and its
# newest snapshot read, so the metrics survive a restart of this container.
repo_ready=false
ready() {
  $repo_ready && return 0
  if ! restic cat config >/dev/null 2>&1; then
    restic init >/dev/null 2>"$work/last-error" || return 1
  fi
  local newest
  newest=$(restic snapshots --json --tag krill --latest 1 2>/dev/null || echo '[]')
  last_success=$(printf '%s' "$newest" | sed -n 's/.*"time":"\([^"]*\)".*/\1/p' | head -n1)
  [ -z "$last_success" ] || last_success=$(date -d "$last_success" +%s)
  repo_ready=true
}

# The repository's snapshots (oldest first), and what Krill's entrypoint
# needs to know of them.
snapshot_ids() {
  local out
  out=$(restic snapshots --json --tag krill 2>"$work/last-error") || return 1
  # (No snapshot: no match, which is not a failure.)
  printf '%s' "$out" | { grep -o '"id":"[0-9a-f]*"' || true; } | cut -d'"' -f4
}
say_verdict() {  # ids
  if [ -n "$1" ]; then echo some >"$work/verdict.new"; else echo none >"$work/verdict.new"; fi
  mv -f "$work/verdict.new" "$work/verdict"
}

stage() {  # name id
  rm -rf "$work/staging" "$work/staged"
  restic restore "$2:$work/krill" --target "$work/staging" >&2 2>"$work/last-error" || return 1
  echo "$1 $2" >"$work/staging/.complete"
  mv "$work/staging" "$work/staged"
  echo "backup-client: snapshot ${2:0:8} staged for Krill's start ($1)" >&2
}

# What Krill's start waits for: a named restore not done yet, or the newest
# snapshot when its data is missing. Nothing while one is staged.
restores() {
  [ ! -e "$work/staged/.complete" ] || return 0
  local want="${RESTORE_SNAPSHOT:-}" ids hit
  if [ -n "$want" ] && [ ! -e "$work/restored-$want" ]; then
    ready && ids=$(snapshot_ids) || return 1
    hit=$(printf '%s\n' "$ids" | grep "^$want" || true)
    if [ -z "$hit" ] || [ "$(printf '%s\n' "$hit" | wc -l)" != 1 ]; then
      echo "krill.restore_snapshot=$want is not one snapshot of the repository; there are:" \
           "$(printf '%s\n' "$ids" | cut -c1-8 | tr '\n' ' ')" | tee "$work/last-error" >&2
      return 1
    fi
    stage "$want" "$hit"
  elif ! has_ca; then
    ready && ids=$(snapshot_ids) || return 1
    say_verdict "$ids"
    [ -z "$ids" ] || stage "auto-$(printf '%s\n' "$ids" | tail -n 1 | cut -c1-8)" "$(printf '%s\n' "$ids" | tail -n 1)"
  fi
}

backup() {  # reason
  has_ca || { echo "backup-client: no CA in $data yet; nothing to back up" >&2; return 0; }
  [ ! -e "$work/staged/.complete" ] || { echo "backup-client: a restore waits for Krill's start; no backup" >&2; return 0; }
  ready || return 1
  local try before after
  for try in 1 2 3 4 5 6 7 8 9 10; do
    before=$(listing)
    rm -rf "$work/krill.new"
    cp -a "$data/." "$work/krill.new/" 2>/dev/null || mkdir -p "$work/krill.new"
    after=$(listing)
    [ "$before" = "$after" ] && break
    echo "backup-client: Krill wrote while its data was copied (try $try); again" >&2
    [ "$try" != 10 ] || { echo "backup-client: no quiet moment in 10 tries" >"$work/last-error"; return 1; }
    nap 1
  done
  rm -rf "$work/krill"
  mv "$work/krill.new" "$work/krill"
  restic backup --host home --tag krill --tag "$1" --json --quiet "$work/krill" >"$work/last-backup.json" \
    2>"$work/last-error" || return 1
  last_success=$(date +%s)
  last_size=$(du -sb "$work/krill" | cut -f1)
  echo some >"$work/verdict.new" && mv -f "$work/verdict.new" "$work/verdict"
  echo "backup-client: snapshot $(sed -n 's/.*"snapshot_id":"\([0-9a-f]*\)".*/\1/p' "$work/last-backup.json" | cut -c1-8) ($1, $last_size bytes)" >&2
}

run() {  # reason
  if backup "$1"; then
    write_metrics 1
  else
    echo "backup-client: backup failed: $(tail -n 3 "$work/last-error" 2>/dev/null)" >&2
    write_metrics 0
    return 1
  fi
}

# The first one soon after start (the tunnel needs a moment), then on
# schedule, and at once on the stack's request.
next=$(( $(date +%s) + 10 ))
while :; do
  now=$(date +%s)
  reason=""
  if [ -e "$work/request" ]; then
    rm -f "$work/request"
    reason=change
  elif [ "$now" -ge "$next" ]; then
    reason=scheduled
  fi
  # (The repository is asked at most every 10 s.)
  if [ "$now" -ge "${restores_next:-0}" ]; then
    restores_next=$(( now + 10 ))
    if ! restores; then
      echo "backup-client: restore: $(tail -n 2 "$work/last-error" 2>/dev/null)" >&2
      restores_next=$(( now + 3 ))  # the tunnel's first seconds
    fi
  fi
  if [ -n "$reason" ]; then
    # A failed one is tried again a minute later (config/backup.py RETRY_S),
    # not an interval later.
    if run "$reason"; then next=$(( now + interval )); else next=$(( $(date +%s) + (interval < 60 ? interval : 60) )); fi
  fi
  nap 2
done
