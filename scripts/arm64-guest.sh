#!/usr/bin/env bash
# An arm64 Debian machine (qemu-system-aarch64, TCG) that runs the project's
# arm64 images on an arm64 kernel: the `make test-arm64-guest` tier.
#   build   build and cache the guest's disk (scripts/arm64-guest/build.sh)
#   up      bridge and tap, the guest booted on a fresh overlay, SSH waited
#           for, guest.env written for the tests
#   down    stop the guest, discard its overlay, remove the lab side's BIRD,
#           the tap and the bridge
#   status  print what runs
#   run     the tier: packages, build, up, pytest tests/arm64_guest, down
#           (also when a step fails); every phase timed in timings.log
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=arm64-guest/common.sh
. "$here/arm64-guest/common.sh"

# TCG emulating every arm64 instruction on this machine's 2 cores: the
# guest's first boot (systemd, the Docker engine) takes minutes.
BOOT_TIMEOUT="${A64_BOOT_TIMEOUT:-900}"
ENV_FILE="$A64/guest.env"
KNOWN_HOSTS="$A64/known_hosts"
OVERLAY="$RUN/guest.qcow2"
SERIAL="$RUN/serial.log"
PIDFILE="$RUN/qemu.pid"
# The lab side's BIRD: a container on this machine (tests/arm64_guest makes it).
LAB_BIRD=arm64-guest-lab-bird
# The emulated CPU: a plain ARMv8.0 core. Debian's arm64 userland needs
# nothing newer, and every later feature `max` brings costs TCG time:
# measured here (2026-12-05, a busy machine), boot-to-SSH took 209 s with
# `max` (the architected pointer-authentication cipher on every signed
# return), 86-88 s with `max,pauth-impdef=on`, 75-80 s with cortex-a72, and
# a shell loop in the guest 36-42 s against 18-34 s.
A64_CPU="${A64_CPU:-cortex-a72}"
A64_SMP="${A64_SMP:-2}"
A64_MEM="${A64_MEM:-2048}"

# A pid from the pidfile only counts if it is still our QEMU (pids get reused).
qemu_pid() {
  local pid
  [ -s "$PIDFILE" ] || return 1
  pid="$(cat "$PIDFILE")"
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$GUEST_NAME" ] && echo "$pid"
}

ensure_packages() {
  # The machine's apt, one at a time with the project's other installs
  # (scripts/install-packages.sh takes $CACHE/apt.lock): qemu-system-arm
  # brings qemu-system-aarch64.
  bash "$ROOT/scripts/install-packages.sh" qemu-system-arm qemu-utils
}

ip2int() { local IFS=.; read -r a b c d <<<"$1"; echo $(( (a << 24) | (b << 16) | (c << 8) | d )); }

# Refuse to bring up our /28 or /64 if any address on the machine already
# sits in it (or contains it): two prefixes overlap iff they agree on the
# shorter of the two lengths. Our own bridge's addresses are ours.
check_no_overlap() {
  local dev cidr addr l len mask net
  net=$(ip2int "$NET4")
  while read -r dev cidr; do
    [ "$dev" = "$BRIDGE" ] && continue
    addr="${cidr%/*}"; l="${cidr#*/}"
    len=$(( l < LEN4 ? l : LEN4 ))
    mask=$(( (0xffffffff << (32 - len)) & 0xffffffff ))
    if (( ($(ip2int "$addr") & mask) == (net & mask) )); then
      die "$NET4/$LEN4 overlaps $cidr on $dev; refusing to bring up $BRIDGE"
    fi
  done < <(ip -4 -o addr show | awk '{print $2, $4}')
  # IPv6: our /64 is a documentation one; any address of the machine in it
  # (or a route to it through another device) would be someone else's.
  if ip -6 -o addr show | awk -v b="$BRIDGE" '$2 != b {print $4}' | grep -qi "^${NET6%::}:"; then
    die "an address in $NET6/$LEN6 is already on this machine; refusing to bring up $BRIDGE"
  fi
}

ensure_network() {
  check_no_overlap
  if ! ip link show dev "$BRIDGE" >/dev/null 2>&1; then
    ip link add "$BRIDGE" type bridge stp_state 0 forward_delay 0
  fi
  ip addr replace "$HOST4/$LEN4" dev "$BRIDGE"
  ip -6 addr replace "$HOST6/$LEN6" dev "$BRIDGE" nodad
  ip link set dev "$BRIDGE" up
  ip link show dev "$TAP" >/dev/null 2>&1 || ip tuntap add dev "$TAP" mode tap
  sysctl -qw "net.ipv6.conf.$TAP.disable_ipv6=1"
  ip link set dev "$TAP" master "$BRIDGE" up
}

ssh_opts() {
  printf '%s\n' -i "$OPKEY" -o BatchMode=yes -o ConnectTimeout=5 -o LogLevel=ERROR \
    -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$KNOWN_HOSTS"
}

ssh_probe() {
  local opts; mapfile -t opts < <(ssh_opts)
  ssh -q "${opts[@]}" "root@$GUEST4" true 2>/dev/null
}

# Host keys come from the disk's build, not from the wire: the very first
# connection is already verified.
write_known_hosts() {
  awk -v h="$GUEST4" '{print h, $1, $2}' "$DISK/hostkeys" >"$KNOWN_HOSTS.tmp"
  mv "$KNOWN_HOSTS.tmp" "$KNOWN_HOSTS"
}

start_guest() {
  rm -f "$OVERLAY" "$SERIAL"
  # A fresh overlay per boot: every run starts from the pristine disk.
  qemu-img create -q -f qcow2 -b "$DISK/disk.raw" -F raw "$OVERLAY"
  echo "$DISK" >"$RUN/guest.backing"
  date +%s >"$RUN/started"
  # -M virt: QEMU's generic arm64 board, its devices on PCI (virtio-*-pci).
  # net.ifnames=0: the one NIC is eth0, as the disk's network unit expects.
  # cache=unsafe: the overlay is discarded at `down`; no flush need wait.
  qemu-system-aarch64 -name "$GUEST_NAME,process=$GUEST_NAME" -M virt -cpu "$A64_CPU" \
    -accel tcg,thread=multi -smp "$A64_SMP" -m "$A64_MEM" -nodefaults -display none \
    -daemonize -pidfile "$PIDFILE" \
    -kernel "$DISK/Image" -initrd "$DISK/initrd" \
    -append "console=ttyAMA0 root=/dev/vda rw net.ifnames=0" \
    -drive "file=$OVERLAY,if=none,id=root,format=qcow2,discard=unmap,cache=unsafe" \
    -device virtio-blk-pci,drive=root \
    -netdev "tap,id=net0,ifname=$TAP,script=no,downscript=no" \
    -device "virtio-net-pci,netdev=net0,mac=$GUEST_MAC,romfile=" \
    -device virtio-rng-pci \
    -serial "file:$SERIAL" 9>&-   # fd 9 is our lock: the daemon must not keep it
  log "arm64-guest: started (cpu $A64_CPU, $A64_SMP vCPU, $A64_MEM MB, pid $(cat "$PIDFILE"))"
}

console_tail() { tail -n1 "$SERIAL" 2>/dev/null | sed 's/\x1b\[[0-9;]*[A-Za-z]//g' | tr -cd '[:print:]' | cut -c1-100; }

wait_ssh() {
  local start=$SECONDS last=$SECONDS
  until ssh_probe; do
    qemu_pid >/dev/null || { tail -n 30 "$SERIAL" >&2; die "QEMU exited; serial log $SERIAL"; }
    (( SECONDS - start < BOOT_TIMEOUT )) || { tail -n 30 "$SERIAL" >&2; die "no SSH after ${BOOT_TIMEOUT}s; serial log $SERIAL"; }
    if (( SECONDS - last >= 15 )); then
      last=$SECONDS
      log "arm64-guest: waiting for SSH ($((SECONDS - start))s), console: $(console_tail)"
    fi
    sleep 3
  done
}

write_env() {
  { echo "# written by scripts/arm64-guest.sh up"
    echo "A64_SSH_KEY=$OPKEY"
    echo "A64_KNOWN_HOSTS=$KNOWN_HOSTS"
    echo "A64_GUEST4=$GUEST4"
    echo "A64_GUEST6=$GUEST6"
    echo "A64_HOST6=$HOST6"
    echo "A64_LAB4=$LAB4"
    echo "A64_LAB6=$LAB6"
    echo "A64_LEN4=$LEN4"
    echo "A64_LEN6=$LEN6"
    echo "A64_BRIDGE=$BRIDGE"
    echo "A64_LAB_VETH=$LAB_VETH"
    echo "A64_LAB_BIRD=$LAB_BIRD"
    echo "A64_TIMINGS=$A64/timings.log"
  } >"$ENV_FILE.tmp"
  mv "$ENV_FILE.tmp" "$ENV_FILE"
}

cmd_build() { "$here/arm64-guest/build.sh"; }

cmd_up() {
  ensure_packages
  cmd_build
  DISK="$(disk_dir)"
  ensure_network
  write_known_hosts
  if qemu_pid >/dev/null; then
    log "arm64-guest: already running (pid $(qemu_pid)); waiting for SSH"
    wait_ssh
  else
    start_guest
    wait_ssh
    timing "boot-to-ssh $(( $(date +%s) - $(cat "$RUN/started") ))s (cpu $A64_CPU, $A64_SMP vCPU, $A64_MEM MB)"
  fi
  write_env
  log "arm64-guest: ssh -i $OPKEY -o UserKnownHostsFile=$KNOWN_HOSTS root@$GUEST4"
}

stop_guest() {
  local pid i
  pid="$(qemu_pid)" || { rm -f "$PIDFILE"; return 0; }
  # No clean poweroff: the overlay is discarded, nothing in it is kept.
  kill "$pid"
  for i in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then log "arm64-guest: QEMU ignored TERM after ${i}0 s; killing it"; kill -9 "$pid"; fi
  rm -f "$PIDFILE"
  log "arm64-guest: stopped"
}

cmd_down() {
  stop_guest
  rm -f "$OVERLAY" "$RUN/guest.backing" "$ENV_FILE" "$RUN"/ssh-*
  # What the tests start on this machine, should a run have died mid-way.
  if command -v docker >/dev/null && docker inspect "$LAB_BIRD" >/dev/null 2>&1; then
    docker rm -f "$LAB_BIRD" >/dev/null
  fi
  local dev
  for dev in "$LAB_VETH" "$TAP" "$BRIDGE"; do
    ip link del dev "$dev" 2>/dev/null || true
  done
  log "arm64-guest: down (no guest, no $BRIDGE, $TAP or $LAB_VETH)"
}

cmd_status() {
  local pid
  if pid="$(qemu_pid)"; then
    printf 'guest   running pid %s since %s, ssh %s, overlay %s\n' "$pid" \
      "$(date -d "@$(cat "$RUN/started")" +%H:%M:%S)" "$(ssh_probe && echo up || echo down)" \
      "$(du -h "$OVERLAY" | cut -f1)"
  else
    echo "guest   stopped"
  fi
  ip -br addr show dev "$BRIDGE" 2>/dev/null || echo "bridge  none"
  docker ps -a --filter "name=^$LAB_BIRD\$" --format 'lab     {{.Names}} {{.Status}}' 2>/dev/null || true
  [ -s "$A64/timings.log" ] && { echo "last timings:"; tail -n 6 "$A64/timings.log"; }
  return 0
}

# A red run keeps what the next reader needs: the guest's containers' logs
# and the console, copied out before `down` throws the guest away.
save_logs() {
  local out opts c
  out="$A64/logs/$(date +%Y%m%dT%H%M%S)"
  mkdir -p "$out"
  cp "$SERIAL" "$out/serial.log" 2>/dev/null || true
  mapfile -t opts < <(ssh_opts)
  for c in $(ssh "${opts[@]}" "root@$GUEST4" "docker ps -a --format '{{.Names}}'" 2>/dev/null); do
    # shellcheck disable=SC2029  # $c is a container name, expanded here on purpose
    ssh "${opts[@]}" "root@$GUEST4" "docker logs --timestamps --tail 400 $c" >"$out/$c.log" 2>&1 || true
  done
  ssh "${opts[@]}" "root@$GUEST4" "journalctl -b --no-pager | tail -n 400" >"$out/journal.log" 2>&1 || true
  docker logs --timestamps --tail 400 "$LAB_BIRD" >"$out/$LAB_BIRD.log" 2>&1 || true
  log "arm64-guest: logs of the red run in $out"
}

cmd_run() {
  local t0=$SECONDS t rc=0
  # Down at the end whatever happens: the tier leaves the machine clean.
  trap 'cmd_down' EXIT
  cmd_up
  t=$SECONDS
  # Image shipping and the tests' own phases are timed by tests/arm64_guest.
  # PERSONAL_AS_STACK: a red test's snapshot (tests/failure_snapshot.py)
  # looks for this tier's containers, not the lab's; save_logs keeps the
  # guest's own.
  # shellcheck source=env.sh
  ( cd "$ROOT" && set +u && . scripts/env.sh && set -u && export PERSONAL_AS_STACK=arm64 &&
    python -m pytest tests/arm64_guest -v -p no:cacheprovider --durations=10 ) || rc=$?
  timing "pytest $((SECONDS - t))s (image shipping included)"
  [ "$rc" = 0 ] || save_logs
  timing "result $( [ "$rc" = 0 ] && echo green || echo "red (pytest exit $rc)" ) in $((SECONDS - t0))s"
  return "$rc"
}

[ "$(id -u)" -eq 0 ] || die "the arm64 guest needs root (bridge, tap, debootstrap)"
# One arm64-guest.sh at a time: two would race for the bridge and the overlay.
# The daemons started here must not inherit fd 9, or they would hold it.
[ "${1:-}" = status ] || hold_lock "$A64/lock" arm64-guest.sh
case "${1:-}" in
  build)  cmd_build ;;
  up)     cmd_up ;;
  down)   cmd_down ;;
  status) cmd_status ;;
  run)    cmd_run ;;
  *) sed -n '2,11p' "$0" >&2; exit 2 ;;
esac
