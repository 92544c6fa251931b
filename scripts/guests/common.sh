# Constants and helpers shared by the vmlab guest scripts. Sourced, never run.
# Everything the guest disks bake in (names, MACs, addresses) lives here, and
# this file is part of the build key, so changing any of it rebuilds the disks.
# shellcheck source=../lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

GUESTS_SRC="$ROOT/scripts/guests"
VMLAB="$CACHE/vmlab"            # stable: key, overlays, env files, logs
RUN="$VMLAB/run"                # overlays, pidfiles, serial logs
OPKEY="$VMLAB/id_ed25519"       # operator key; its .pub goes into the disks
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
mkdir -p "$RUN"

# Management network: the machine is .241 on the bridge; guests reach only
# its apt proxy there. 203.0.113.0/24 is documentation space (RFC 5737).
MGMT_BRIDGE=pasg-vmlab
MGMT_HOST=203.0.113.241
MGMT_NET=203.0.113.240
MGMT_LEN=28
PROXY_PORT=3142

GUESTS=(vps home)
declare -A G_RELEASE=([vps]="$VPS_GUEST_DEBIAN_RELEASE" [home]="$HOME_GUEST_DEBIAN_RELEASE")
# How each guest gets its identity (host name, SSH keys, network): vps from
# a cloud-init NoCloud seed on a second disk, as a provider's metadata gives
# it; home from its own disk, as a household's Raspberry Pi has it.
declare -A G_SETUP=([vps]=cloud-init [home]=disk)
declare -A G_ADDR=([vps]=203.0.113.242 [home]=203.0.113.243)
declare -A G_SSH_PORT=([vps]=22 [home]=2222)
declare -A G_USER=([vps]=root [home]=admin)
declare -A G_LAB_IF=([vps]=eth-gw [home]=eth-rir)
declare -A G_LAB_BRIDGE=([vps]=pl-vmlab-vps [home]=pl-vmlab-home)
# Locally administered (0x02 bit) MACs, so the .link files can match them.
declare -A G_MGMT_MAC=([vps]=52:54:00:a5:00:01 [home]=52:54:00:a5:00:02)
declare -A G_LAB_MAC=([vps]=52:54:00:a5:01:01 [home]=52:54:00:a5:01:02)
declare -A G_MEM=([vps]=512 [home]=1024)

# Append one timing line to the shared log and say it on stderr.
timing() {
  log "timing: $*"
  printf '%s %s\n' "$(date -Is)" "$*" >>"$VMLAB/timings.log"
}

# The build key: the recipe (this file, build.sh, image/) + release + the
# operator public key. vmlab.sh's runtime logic is deliberately not in it,
# so editing how guests are booted does not rebuild their disks.
version_key() {
  [ -s "$OPKEY.pub" ] || die "operator key $OPKEY.pub missing; run: $GUESTS_SRC/vmlab.sh build"
  { printf '%s\n' "$VPS_GUEST_DEBIAN_RELEASE" "$HOME_GUEST_DEBIAN_RELEASE"
    cat "$OPKEY.pub"
    (cd "$GUESTS_SRC" && find common.sh build.sh image -type f | LC_ALL=C sort | xargs sha256sum)
  } | sha256sum | cut -c1-12
}
guest_dir() { printf '%s/guests-%s\n' "$CACHE" "$(version_key)"; }
