# Shared helpers for the bootstrap scripts. Sourced, never executed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=versions.env
. "$ROOT/scripts/versions.env"
CACHE="${PERSONAL_AS_CACHE:-$HOME/.cache/personal-as}"
# Where Krill's binaries are cached: by version, opt-level and, for a cross
# build, architecture (components/stack.py's krill_binaries says the same).
krill_dir() { echo "$CACHE/krill-$KRILL_VERSION-core-o$KRILL_OPT_LEVEL${1:+-$1}"; }
mkdir -p "$CACHE"
# Where Go's tarball and rustup put their toolchains: a non-login shell (CI,
# sudo -i, cron) has not read the profile lines that add them to PATH.
for _d in /usr/local/go/bin "$HOME/.cargo/bin"; do
  case ":$PATH:" in *":$_d:"*) ;; *) [ -d "$_d" ] && PATH="$PATH:$_d" ;; esac
done
unset _d
export PATH

log() { printf '[bootstrap %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Run a long command in the background and print a heartbeat until it ends,
# so a cold build shows progress instead of minutes of silence.
with_progress() {
  local what="$1" logfile="$2"; shift 2
  local start=$SECONDS
  "$@" >"$logfile" 2>&1 &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 15
    kill -0 "$pid" 2>/dev/null || break
    log "$what: still building ($((SECONDS - start))s), last: $(tail -n1 "$logfile" | cut -c1-100)"
  done
  if ! wait "$pid"; then
    tail -n 40 "$logfile" >&2
    die "$what failed; full log in $logfile"
  fi
  log "$what: done in $((SECONDS - start))s"
}

# One of this script at a time: hold lock file $1 on fd 9 until the script
# ends, waiting up to 10 min for another holder ($2 names the script). The
# daemons a script starts must not inherit fd 9 (close it with 9>&-).
hold_lock() {
  exec 9>"$1"
  flock -n 9 || { log "$2: waiting for another $2 ($1)"; flock -w 600 9; } \
    || die "another $2 still holds $1 after 600 s"
}

# Drop the cached disk folders "$1"-<12 hex> of older recipes but "$2" (the
# current one), unless an overlay in folder "$3" still boots from one (its
# <guest>.backing names it). $4 names the caller in the log.
drop_old_disks() {
  local d
  for d in "$1"-*/; do
    d="${d%/}"
    [ "$d" = "$2" ] && continue
    [[ "$d" =~ -[0-9a-f]{12}$ ]] || continue
    if grep -qs "$d" "$3"/*.backing; then continue; fi
    rm -rf "$d" && log "$4: removed old disks $d"
  done
}


# idle_cgroup: makes the top-level CPU cgroup personal-as-idle, which runs
# only when nothing else wants a core (cpu.idle, else the smallest weight),
# and prints its name for Docker's --cgroup-parent. `nice` cannot do this
# for `docker build`: Docker runs a build's steps in containers of its own,
# each in a cgroup beside the lab's, whatever the client's niceness. Fails
# (prints nothing) where it cannot: cgroup v2 without the cpu controller, or
# Docker with the systemd cgroup driver (which takes slices, not paths).
idle_cgroup() {
  local name=personal-as-idle dir weight
  [ "$(docker info -f '{{.CgroupDriver}}' 2>/dev/null)" = cgroupfs ] || return 1
  if [ -d /sys/fs/cgroup/cpu ]; then  # v1
    dir=/sys/fs/cgroup/cpu/$name weight="2 cpu.shares"
  elif [ -f /sys/fs/cgroup/cgroup.controllers ]; then  # v2: the cpu controller on for children
    grep -qw cpu /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null \
      || echo +cpu >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || return 1
    dir=/sys/fs/cgroup/$name weight="1 cpu.weight"
  else
    return 1
  fi
  mkdir -p "$dir" 2>/dev/null || return 1
  { [ -w "$dir/cpu.idle" ] && echo 1 >"$dir/cpu.idle"; } 2>/dev/null \
    || echo "${weight% *}" >"$dir/${weight#* }" || return 1
  echo "/$name"
}
