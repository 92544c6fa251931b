# The machine's side of vmlab: packages, the apt proxy, the management bridge
# with its firewall, the lab bridges and taps. Sourced by vmlab.sh.

HOST_PACKAGES=(qemu-system-x86 qemu-utils apt-cacher-ng genisoimage)
ACNG_DIR="$CACHE/apt-cacher-ng"       # survives fresh/down: re-runs hit the cache
ACNG_PID="$RUN/apt-cacher-ng.pid"

ensure_host_packages() {
  local missing=() p
  for p in "${HOST_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "vmlab: installing ${missing[*]}"
  # The packages must not start apt-cacher-ng on all addresses: we start it
  # ourselves, bound to the bridge only. policy-rc.d vetoes package starts.
  local policy=/usr/sbin/policy-rc.d own=0
  # One apt at a time from this project (scripts/install-packages.sh): the
  # tiers run side by side, and they share policy-rc.d too.
  exec 8>"$CACHE/apt.lock"
  flock 8
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; own=1; fi
  local rc=0
  ( export DEBIAN_FRONTEND=noninteractive
    # A stale or unreachable third-party list must not block this install.
    apt-get -o DPkg::Lock::Timeout=300 update -qq || true
    apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}"
  ) >"$VMLAB/apt.log" 2>&1 || rc=$?
  [ $own = 1 ] && rm -f "$policy"
  exec 8>&-
  [ $rc = 0 ] || { tail -n 30 "$VMLAB/apt.log" >&2; die "installing ${missing[*]} failed"; }
}

ip2int() { local IFS=.; read -r a b c d <<<"$1"; echo $(( (a << 24) | (b << 16) | (c << 8) | d )); }

# Refuse to add our /28 if any address on the machine shares any part of it:
# two prefixes overlap iff they agree on the shorter of the two lengths.
check_no_overlap() {
  local net len dev cidr addr l mask
  net=$(ip2int "$MGMT_NET")
  while read -r dev cidr; do
    [ "$dev" = "$MGMT_BRIDGE" ] && [ "$cidr" = "$MGMT_HOST/$MGMT_LEN" ] && continue
    addr="${cidr%/*}"; l="${cidr#*/}"
    len=$(( l < MGMT_LEN ? l : MGMT_LEN ))
    mask=$(( (0xffffffff << (32 - len)) & 0xffffffff ))
    if (( ($(ip2int "$addr") & mask) == (net & mask) )); then
      die "$MGMT_NET/$MGMT_LEN overlaps $cidr on $dev; refusing to bring up $MGMT_BRIDGE"
    fi
  done < <(ip -4 -o addr show | awk '{print $2, $4}')
}

# A bridge the root namespace does not speak on (no IPv6 link-local either).
ensure_bridge() {
  local br="$1"
  if ! ip link show dev "$br" >/dev/null 2>&1; then
    ip link add "$br" type bridge stp_state 0 forward_delay 0
  fi
  sysctl -qw "net.ipv6.conf.$br.disable_ipv6=1"
  ip link set dev "$br" up
}

ensure_mgmt() {
  check_no_overlap
  ensure_bridge "$MGMT_BRIDGE"
  ip addr replace "$MGMT_HOST/$MGMT_LEN" dev "$MGMT_BRIDGE"
  # Reloading the whole table is atomic and idempotent (the file deletes it first).
  nft -D "mgmt_bridge=\"$MGMT_BRIDGE\"" -D "proxy_host=$MGMT_HOST" -D "proxy_port=$PROXY_PORT" -f "$GUESTS_SRC/guests.nft"
}

ensure_tap() {
  local tap="$1" br="$2"
  ip link show dev "$tap" >/dev/null 2>&1 || ip tuntap add dev "$tap" mode tap
  sysctl -qw "net.ipv6.conf.$tap.disable_ipv6=1"
  ip link set dev "$tap" master "$br" up
  # On the management bridge guests talk to the machine only, not to each other.
  if [ "$br" = "$MGMT_BRIDGE" ]; then bridge link set dev "$tap" isolated on; fi
}

acng_running() { [ -s "$ACNG_PID" ] && kill -0 "$(cat "$ACNG_PID")" 2>/dev/null; }

# There is no init system here, so run the daemon directly. It runs as root
# because its cache lives under $HOME (mode 0700), out of its own user's reach.
# ForceManaged: only known repositories (the Debian mirror) are fetched, so the
# proxy is no way out to anywhere else. Debian ships backends_debian empty,
# which makes acng answer 503 for deb.debian.org/debian: name the mirror here.
ensure_acng() {
  if acng_running; then return 0; fi
  mkdir -p "$ACNG_DIR/cache" "$ACNG_DIR/log"
  # Also in its config, so even the package's own init script would bind here only.
  printf '# personal-as vmlab: the guests apt proxy, on their bridge only\nBindAddress: %s\nPort: %s\n' \
    "$MGMT_HOST" "$PROXY_PORT" >/etc/apt-cacher-ng/zzz_personal-as.conf
  /usr/sbin/apt-cacher-ng -c /etc/apt-cacher-ng \
    BindAddress="$MGMT_HOST" Port="$PROXY_PORT" \
    CacheDir="$ACNG_DIR/cache" LogDir="$ACNG_DIR/log" \
    PidFile="$ACNG_PID" SocketPath="$RUN/apt-cacher-ng.socket" \
    ForceManaged=1 ForeGround=0 \
    "Remap-debrep=file:deb_mirror*.gz /debian ; http://deb.debian.org/debian/" 9>&-
  local i
  for i in $(seq 50); do
    (exec 3<>"/dev/tcp/$MGMT_HOST/$PROXY_PORT") 2>/dev/null && { log "vmlab: apt proxy on $MGMT_HOST:$PROXY_PORT"; return 0; }
    sleep 0.2
  done
  die "apt-cacher-ng did not listen on $MGMT_HOST:$PROXY_PORT (see $ACNG_DIR/log)"
}

stop_acng() {
  acng_running || return 0
  kill "$(cat "$ACNG_PID")"; rm -f "$ACNG_PID"
}

teardown_network() {
  local g dev br others
  for g in "${GUESTS[@]}"; do
    for dev in "$(tap_name "$g" m)" "$(tap_name "$g" l)"; do
      ip link del dev "$dev" 2>/dev/null || true
    done
    # A lab bridge still holding the stack's veth stays: deleting it would
    # silently unplug the lab's cable, and the next `up` would not replug it.
    br="${G_LAB_BRIDGE[$g]}"
    others="$(ip -o link show master "$br" 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | xargs)"
    if [ -n "$others" ]; then log "vmlab: keeping $br: the lab's $others still plugged in"
    else ip link del dev "$br" 2>/dev/null || true; fi
  done
  stop_acng
  ip link del dev "$MGMT_BRIDGE" 2>/dev/null || true
  nft delete table inet personal_as_guests 2>/dev/null || true
}

# Tap names: <=15 chars, recognisably ours.
tap_name() { printf 'vmlab-%s-%s\n' "$1" "$( [ "$2" = m ] && echo mg || echo lab)"; }
