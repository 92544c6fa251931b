# Constants and helpers of the arm64 guest (`make test-arm64-guest`):
# one arm64 Debian machine under qemu-system-aarch64 (TCG), on a bridge of
# its own. Sourced, never run. What the disk bakes in (its addresses, its
# MAC) lives here, and this file is part of the disk's build key.
# shellcheck shell=bash
# The constants are read by the scripts that source this file.
# shellcheck disable=SC2034
# shellcheck source=../lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

A64_SRC="$ROOT/scripts/arm64-guest"
A64="$CACHE/arm64-guest"          # key, disks, overlay, logs, timings
RUN="$A64/run"                    # overlay, pidfile, serial log
OPKEY="$A64/id_ed25519"           # operator key; its .pub goes into the disk
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
# The guest runs the containers' Debian (versions.env), so the images'
# userland and the guest's kernel are the release the project ships.
A64_RELEASE="$DEBIAN_RELEASE"
mkdir -p "$RUN"

# The bridge is this tier's alone: 203.0.113.176/28 and one /64 of
# documentation space (RFC 5737, RFC 3849), away from the vmlab's .240/28
# and the lab's .192/26. The machine is .177/::1, the guest .178/::2, the
# lab side's BIRD (in a network namespace of its own) .179/::3.
BRIDGE=pas-a64
TAP=pas-a64-tap
LAB_VETH=pas-a64-lab
NET4=203.0.113.176
LEN4=28
HOST4=203.0.113.177
GUEST4=203.0.113.178
LAB4=203.0.113.179
NET6=2001:db8:ffff:a64::
HOST6=2001:db8:ffff:a64::1
GUEST6=2001:db8:ffff:a64::2
LAB6=2001:db8:ffff:a64::3
LEN6=64
# Locally administered (the 0x02 bit), so it clashes with no real NIC.
GUEST_MAC=52:54:00:a6:40:02
GUEST_NAME=arm64-guest

# Append one line to the tier's timings and say it on stderr.
timing() {
  log "timing: $*"
  printf '%s %s\n' "$(date -Is)" "$*" >>"$A64/timings.log"
}

# The disk's build key: the recipe (this file, build.sh), the release and
# the operator's public key. How the guest is booted (arm64-guest.sh) is not
# in it, so tuning QEMU's flags never rebuilds the disk.
version_key() {
  [ -s "$OPKEY.pub" ] || die "operator key $OPKEY.pub missing; run: scripts/arm64-guest.sh build"
  { printf '%s\n' "$A64_RELEASE"
    cat "$OPKEY.pub"
    sha256sum "$A64_SRC/common.sh" "$A64_SRC/build.sh" | cut -d' ' -f1
  } | sha256sum | cut -c1-12
}
disk_dir() { printf '%s/disk-%s\n' "$A64" "$(version_key)"; }
