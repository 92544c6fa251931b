#!/usr/bin/env bash
# Real Debian machines (vps: 13 with cloud-init, home: 12 with
# NetworkManager) as QEMU guests for the vmlab stack.
#   build   build and cache the guest disks (build.sh)
#   up      start proxy, bridges, taps and guests; wait for SSH; write guests.env
#   down    stop the guests (disks kept), remove taps, bridges and the proxy
#   fresh   stop the guests and discard their disks (overlays)
#   status  print what runs
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=common.sh
. "$here/common.sh"
# shellcheck source=host.sh
. "$here/host.sh"

# A hang guard, not a target: TCG boots in 1-2.5 min on a 2-core machine,
# but on a slower one, beside the lab tier, home reached its login prompt
# only after 264 s (2026-12-07; the 300 s this was then failed the run).
BOOT_TIMEOUT="${VMLAB_BOOT_TIMEOUT:-900}"
ENV_FILE="$VMLAB/guests.env"
KNOWN_HOSTS="$VMLAB/known_hosts"

# A pid from a pidfile only counts if it is still our QEMU (pids get reused).
qemu_pid() {
  local f="$RUN/$1.pid" pid
  [ -s "$f" ] || return 1
  pid="$(cat "$f")"
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "vmlab-$1" ] && echo "$pid"
}

# KVM is only worth it if a guest vCPU really runs: on these machines the
# device opens but guests never make progress. Boot the kernel once with KVM
# and look for its banner; the answer holds until the machine reboots.
pick_accel() {
  local kernel="$1" boot_id cache="$VMLAB/accel" accel=tcg
  boot_id="$(cat /proc/sys/kernel/random/boot_id)"
  if [ -s "$cache" ] && [ "$(cut -d' ' -f1 "$cache")" = "$boot_id" ]; then
    cut -d' ' -f2 "$cache"; return
  fi
  if [ -w /dev/kvm ]; then
    log "vmlab: probing whether KVM runs a guest (up to 15 s, once per machine boot)"
    rm -f "$RUN/kvm-probe.log"
    timeout 15 qemu-system-x86_64 -accel kvm -M pc -nodefaults -display none -m 256 -no-reboot \
      -kernel "$kernel" -append "console=ttyS0 panic=-1" -serial "file:$RUN/kvm-probe.log" \
      >/dev/null 2>&1 || true
    grep -qs 'Linux version' "$RUN/kvm-probe.log" && accel=kvm
  fi
  echo "$boot_id $accel" >"$cache"
  log "vmlab: accelerator $accel"
  echo "$accel"
}

# guest_ssh GUEST COMMAND: a command on a guest as its login user.
guest_ssh() {
  ssh -q -i "$OPKEY" -p "${G_SSH_PORT[$1]}" -o BatchMode=yes -o ConnectTimeout=3 \
    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
    "${G_USER[$1]}@${G_ADDR[$1]}" "$2"
}
ssh_probe() { guest_ssh "$1" true 2>/dev/null; }

# vCPUs: vps is the 1-vCPU VPS a user rents. home runs Krill, its proxy,
# Prometheus, Alertmanager and the exporters: with one emulated vCPU its load
# reached 6.6 during the first `up` on a fresh machine, its health checks
# timed out and Krill's exchanges outlasted their waits. Under TCG with
# thread=multi a second vCPU is a second host thread, so home gets the
# machine's other core whenever vps is idle.
declare -A G_CPUS=([vps]=1 [home]=2)

# A first boot, saved. Each guest boots its pristine disk once (vps runs
# cloud-init on its seed), settles, and is saved as it then stands: its
# disk's changes in $GDIR/<guest>.booted.qcow2, its memory and devices in
# $GDIR/<guest>.booted-<accel>.state (QEMU's migration stream). Every later
# `up` on a fresh overlay resumes that machine in seconds instead of booting
# it again: under TCG a boot took 80 s per guest on an idle machine and 150 s
# beside the lab tier. A provider hands over a machine that has booted once,
# and so does this. Reboots and power cuts (test_5_reboot) boot for real.
booted_disk() { printf '%s/%s.booted.qcow2\n' "$GDIR" "$1"; }
booted_state() { printf '%s/%s.booted-%s.state\n' "$GDIR" "$1" "$2"; }

# One HMP command on a guest's monitor socket; prints QEMU's answer.
monitor() {
  python3 - "$1" "$2" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
def upto_prompt():
    buf = b""
    while not buf.endswith(b"(qemu) "):
        chunk = s.recv(4096)
        if not chunk:
            break
        buf += chunk
    return buf.decode(errors="replace")
upto_prompt()
s.sendall(sys.argv[2].encode() + b"\n")
if sys.argv[2] == "quit":  # QEMU closes the socket as it exits
    s.settimeout(20)
    try:
        while s.recv(4096):
            pass
    except OSError:
        pass
else:
    print(upto_prompt().replace("(qemu) ", "").strip())
PY
}

# guest_root GUEST COMMAND: a command as root on a running guest.
guest_root() {
  local sudo=""
  [ "${G_USER[$1]}" = root ] || sudo="sudo -n"
  guest_ssh "$1" "$sudo sh -c '$2'"
}

# make_booted GUEST ACCEL: the saved first boot, if it is not there yet.
make_booted() {
  local g="$1" accel="$2" disk state mon="$RUN/$1.monitor" t=$SECONDS pid i
  disk="$(booted_disk "$g")"; state="$(booted_state "$g" "$accel")"
  [ -s "$state" ] && [ -e "$disk" ] && return 0
  log "vmlab: $g: first boot of its pristine disk, saved for later ups to resume"
  rm -f "$disk.partial" "$state.partial" "$mon"
  qemu-img create -q -f qcow2 -b "$GDIR/$g.raw" -F raw "$disk.partial"
  run_qemu "$g" "$accel" "$disk.partial" -monitor "unix:$mon,server=on,wait=off"
  wait_ssh "$g"
  # Settled: the boot's own jobs (cloud-init's last stage among them) done.
  guest_root "$g" "systemctl is-system-running --wait >/dev/null; sync" || true
  # Saved running (a live migration into a file, which stops the machine
  # as it ends): a stream saved from a paused machine would resume paused.
  monitor "$mon" "migrate \"exec:cat > $state.partial\"" >/dev/null
  local status=""
  for i in $(seq 300); do
    status="$(monitor "$mon" "info migrate" | tr -d '\r' | sed -n 's/^Migration status: //p')"
    [ "$status" = completed ] && break
    [ "$status" = failed ] && die "$g: saving its booted state failed"
    sleep 1
  done
  [ "$status" = completed ] || die "$g: saving its booted state took over 300 s (status: $status)"
  pid="$(qemu_pid "$g")"
  monitor "$mon" quit || true
  # Saved and stopped, its disk already flushed by the migration's end: a
  # QEMU that has not quit yet can be told to.
  kill -0 "$pid" 2>/dev/null && kill "$pid" 2>/dev/null
  for i in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -0 "$pid" 2>/dev/null && die "$g: QEMU did not quit after saving"
  rm -f "$RUN/$g.pid" "$mon"
  mv "$disk.partial" "$disk"; mv "$state.partial" "$state"
  timing "guest first boot saved $g $((SECONDS - t))s ($(du -h "$state" | cut -f1) of state)"
}

start_guest() {
  local g="$1" accel="$2" ov="$RUN/$1.qcow2" gdir resume=()
  # The overlay is the machine's disk: made once, kept until `fresh`. A new
  # one resumes the saved first boot; a kept one boots (its disk moved on).
  if [ ! -e "$ov" ]; then
    if [ -s "$(booted_state "$g" "$accel")" ] && [ -e "$(booted_disk "$g")" ]; then
      qemu-img create -q -f qcow2 -b "$(booted_disk "$g")" -F qcow2 "$ov"
      resume=(-incoming "exec:cat $(booted_state "$g" "$accel")")
      touch "$RUN/$g.resumed"
    else
      qemu-img create -q -f qcow2 -b "$GDIR/$g.raw" -F raw "$ov"
    fi
    echo "$GDIR" >"$RUN/$g.backing"
  fi
  gdir="$(cat "$RUN/$g.backing")"
  [ -e "$gdir/$g.raw" ] || die "$g: its disk's base $gdir/$g.raw is gone; run: $0 fresh"
  [ "$gdir" = "$GDIR" ] || log "vmlab: $g keeps its disk built from $gdir; '$0 fresh' moves it to $GDIR"
  GDIR="$gdir" run_qemu "$g" "$accel" "$ov" "${resume[@]}"
}

# run_qemu GUEST ACCEL DISK [QEMU ARGS...]: the guest's machine, daemonized.
# The same machine for a first boot, its save and its resume: a migration
# stream loads only into the devices it was saved from.
run_qemu() {
  local g="$1" accel="$2" disk="$3" accel_args seed_args
  shift 3
  # A provider's metadata: the cloud-init seed, a read-only second disk.
  seed_args=()
  [ -e "$GDIR/$g.seed.iso" ] && seed_args=(-drive "file=$GDIR/$g.seed.iso,if=virtio,format=raw,readonly=on")
  if [ "$accel" = kvm ]; then accel_args=(-accel kvm -cpu host)
  # la57 off: with 5-level paging QEMU walks five levels on each of its
  # software TLB's misses; four made a vps boot 4 % faster (79.8 and 80.8 s
  # against 77.9 and 76.6 s to the login prompt, 2026-12-06). x86-64 VPSes
  # rarely offer LA57 either.
  else accel_args=(-accel tcg,thread=multi -cpu max,la57=off); fi
  date +%s >"$RUN/$g.started"
  # No -no-reboot: a reboot inside the guest resets it onto the same -kernel.
  # cache=unsafe: the guest's flushes stop at this machine's page cache. A
  # power cut is the guest's (sysrq, reset): it loses what the guest had not
  # written, as before, since this machine stays up; dpkg's and Docker's
  # fsyncs no longer wait on its disk. QEMU still writes all out when it
  # stops (poweroff or SIGTERM, as `down` does).
  qemu-system-x86_64 -name "vmlab-$g,process=vmlab-$g" -M pc -nodefaults -display none \
    -daemonize -pidfile "$RUN/$g.pid" -m "${G_MEM[$g]}" -smp "${G_CPUS[$g]}" "${accel_args[@]}" \
    -kernel "$GDIR/$g.vmlinuz" -initrd "$GDIR/$g.initrd" -append "console=ttyS0 root=/dev/vda rw" \
    -drive "file=$disk,if=virtio,format=qcow2,discard=unmap,cache=unsafe" "${seed_args[@]}" \
    -chardev "file,id=ser0,path=$RUN/$g.serial.log,append=on" -serial chardev:ser0 \
    -netdev "tap,id=mgmt,ifname=$(tap_name "$g" m),script=no,downscript=no" \
    -device "virtio-net-pci,netdev=mgmt,mac=${G_MGMT_MAC[$g]},romfile=" \
    -netdev "tap,id=lab,ifname=$(tap_name "$g" l),script=no,downscript=no" \
    -device "virtio-net-pci,netdev=lab,mac=${G_LAB_MAC[$g]},romfile=" \
    -device virtio-rng-pci "$@" 9>&-   # fd 9 is our lock: the daemon must not keep it
  log "vmlab: $g started ($accel, ${G_CPUS[$g]} vCPU, ${G_MEM[$g]} MB, pid $(cat "$RUN/$g.pid")${*:+, $1})"
}

wait_ssh() {
  local start=$SECONDS last=$SECONDS pending=("$@") next g
  while [ ${#pending[@]} -gt 0 ]; do
    next=()
    for g in "${pending[@]}"; do
      qemu_pid "$g" >/dev/null || { tail -n 30 "$RUN/$g.serial.log" >&2; die "$g: QEMU exited"; }
      if ssh_probe "$g"; then
        timing "guest $( [ -e "$RUN/$g.resumed" ] && echo resume || echo boot )-to-ssh $g $(( $(date +%s) - $(cat "$RUN/$g.started") ))s ($(cut -d' ' -f2 "$VMLAB/accel"))"
      else next+=("$g"); fi
    done
    pending=("${next[@]}")
    [ ${#pending[@]} -eq 0 ] && break
    (( SECONDS - start < BOOT_TIMEOUT )) || die "no SSH from ${pending[*]} after ${BOOT_TIMEOUT}s; serial logs in $RUN"
    if (( SECONDS - last >= 15 )); then
      last=$SECONDS
      for g in "${pending[@]}"; do
        log "vmlab: waiting for SSH on $g ($((SECONDS - start))s), console: $(tail -n1 "$RUN/$g.serial.log" | sed 's/\x1b\[[0-9;]*m//g' | tr -cd '[:print:]' | cut -c1-90)"
      done
    fi
    sleep 2
  done
}

# What the stack needs to reach the guests. Host keys come from the disks'
# build, not from the wire, so the first connection is already verified.
write_env() {
  local g G gdir h kh="$KNOWN_HOSTS.tmp"
  : >"$kh"
  { echo "# written by scripts/guests/vmlab.sh up"
    echo "VMLAB_SSH_KEY=$OPKEY"
    echo "VMLAB_KNOWN_HOSTS=$KNOWN_HOSTS"
    echo "VMLAB_APT_PROXY=http://$MGMT_HOST:$PROXY_PORT"
    echo "VMLAB_MGMT_BRIDGE=$MGMT_BRIDGE"
    for g in "${GUESTS[@]}"; do
      G="${g^^}"
      echo "VMLAB_${G}_HOST=${G_ADDR[$g]}"
      echo "VMLAB_${G}_PORT=${G_SSH_PORT[$g]}"
      echo "VMLAB_${G}_USER=${G_USER[$g]}"
      echo "VMLAB_${G}_LAB_IF=${G_LAB_IF[$g]}"
      echo "VMLAB_${G}_LAB_BRIDGE=${G_LAB_BRIDGE[$g]}"
      gdir="$(cat "$RUN/$g.backing")"
      echo "VMLAB_${G}_PRISTINE_PACKAGES=$gdir/$g.packages"
      if [ "${G_SSH_PORT[$g]}" = 22 ]; then h="${G_ADDR[$g]}"; else h="[${G_ADDR[$g]}]:${G_SSH_PORT[$g]}"; fi
      awk -v h="$h" '{print h, $1, $2}' "$gdir/$g.hostkeys" >>"$kh"
    done
  } >"$ENV_FILE.tmp"
  mv "$ENV_FILE.tmp" "$ENV_FILE"; mv "$kh" "$KNOWN_HOSTS"
}

# $2=graceful: power off from inside first, so the kept disk is clean. Not
# via ACPI: minbase has no dbus, so logind (the power button) never starts.
stop_guest() {
  local g="$1" pid i sudo=""
  pid="$(qemu_pid "$g")" || { rm -f "$RUN/$g.pid"; return 0; }
  if [ "${2:-}" = graceful ]; then
    [ "${G_USER[$g]}" = root ] || sudo="sudo -n"
    ssh -q -i "$OPKEY" -p "${G_SSH_PORT[$g]}" -o BatchMode=yes -o ConnectTimeout=5 \
      -o UserKnownHostsFile="$KNOWN_HOSTS" "${G_USER[$g]}@${G_ADDR[$g]}" \
      "$sudo systemctl poweroff" 2>/dev/null || true
    for i in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  fi
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"; for i in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  fi
  rm -f "$RUN/$g.pid"
  log "vmlab: $g stopped"
}

cmd_up() {
  local t0=$SECONDS g accel started=() waiting=()
  ensure_host_packages
  "$here/build.sh"
  GDIR="$(guest_dir)"
  ensure_mgmt
  ensure_acng
  for g in "${GUESTS[@]}"; do
    ensure_bridge "${G_LAB_BRIDGE[$g]}"
    ensure_tap "$(tap_name "$g" m)" "$MGMT_BRIDGE"
    ensure_tap "$(tap_name "$g" l)" "${G_LAB_BRIDGE[$g]}"
  done
  accel="$(pick_accel "$GDIR/vps.vmlinuz")"
  # The saved first boots, side by side (a cold cache only).
  local pids=() p
  for g in "${GUESTS[@]}"; do
    qemu_pid "$g" >/dev/null || [ -e "$RUN/$g.qcow2" ] || { make_booted "$g" "$accel" & pids+=($!); }
  done
  for p in "${pids[@]}"; do wait "$p" || die "a guest's first boot could not be saved (above)"; done
  for g in "${GUESTS[@]}"; do
    if qemu_pid "$g" >/dev/null; then
      ssh_probe "$g" || waiting+=("$g")     # still booting from an earlier up
    else
      start_guest "$g" "$accel"; started+=("$g")
    fi
  done
  [ ${#started[@]} -eq 0 ] && [ ${#waiting[@]} -eq 0 ] && log "vmlab: vps and home already running"
  wait_ssh "${started[@]}" "${waiting[@]}"
  # A resumed machine's clock stands where it was saved, maybe days ago:
  # set it before anything runs on it (apt checks its archives' dates, TLS
  # its certificates'). Its hardware clock already runs on this machine's.
  for g in "${GUESTS[@]}"; do
    [ -e "$RUN/$g.resumed" ] || continue
    guest_root "$g" "date -u -s @$(date +%s) >/dev/null" || die "$g: could not set its clock after the resume"
    rm -f "$RUN/$g.resumed"
  done
  write_env
  [ ${#started[@]} -gt 0 ] && timing "vmlab up $((SECONDS - t0))s (started: ${started[*]})"
  for g in "${GUESTS[@]}"; do
    log "vmlab: $g: ssh -i $OPKEY -o UserKnownHostsFile=$KNOWN_HOSTS -p ${G_SSH_PORT[$g]} ${G_USER[$g]}@${G_ADDR[$g]}  (lab NIC ${G_LAB_IF[$g]} on ${G_LAB_BRIDGE[$g]})"
  done
  log "vmlab: settings in $ENV_FILE"
}

cmd_status() {
  local g pid
  for g in "${GUESTS[@]}"; do
    if pid="$(qemu_pid "$g")"; then
      printf '%-5s running pid %s since %s, %s MB, ssh %s, disk %s used\n' "$g" "$pid" \
        "$(date -d "@$(cat "$RUN/$g.started")" +%H:%M:%S)" "${G_MEM[$g]}" \
        "$(ssh_probe "$g" && echo up || echo down)" "$(du -h "$RUN/$g.qcow2" | cut -f1)"
    else
      printf '%-5s stopped%s\n' "$g" "$( [ -e "$RUN/$g.qcow2" ] && echo ", disk kept" || echo ", no disk (next up starts pristine)")"
    fi
  done
  printf 'apt proxy  %s\n' "$(acng_running && echo "running on $MGMT_HOST:$PROXY_PORT" || echo stopped)"
  ip -br link show type bridge | grep -E "^($MGMT_BRIDGE|pl-vmlab-)" || echo "bridges    none"
  [ -s "$VMLAB/accel" ] && printf 'accel      %s\n' "$(cut -d' ' -f2 "$VMLAB/accel")"
}

[ "$(id -u)" -eq 0 ] || die "vmlab needs root (bridges, taps, nftables)"
# One vmlab.sh at a time: two `up`s would race for the same taps and disks.
# The daemons we start must not inherit fd 9, or they would hold it forever.
[ "${1:-}" = status ] || hold_lock "$VMLAB/lock" vmlab.sh
case "${1:-}" in
  build)  ensure_host_packages; "$here/build.sh" ;;
  up)     cmd_up ;;
  down)   for g in "${GUESTS[@]}"; do stop_guest "$g" graceful; done; teardown_network ;;
  fresh)  for g in "${GUESTS[@]}"; do stop_guest "$g"; rm -f "$RUN/$g.qcow2" "$RUN/$g.backing" "$RUN/$g.resumed"; done
          log "vmlab: overlays discarded; next up starts from the pristine disks (their saved first boot)" ;;
  status) cmd_status ;;
  *) sed -n '2,7p' "$0" >&2; exit 2 ;;
esac
