#!/usr/bin/env bash
# What the machine that runs Pulumi (and builds every image) must have, said
# before anything is installed. Prints every shortfall at once and stops.
# The README's "The machine that runs pulumi" section lists the same.
. "$(dirname "$0")/lib.sh"

problems=()
at_least() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1)" = "$2" ]; }  # version $1 >= $2
. /etc/os-release 2>/dev/null || true
case "${ID:-}:${VERSION_ID:-}" in
  debian:12|debian:13) ;;
  *) problems+=("OS: Debian 12 (bookworm) or 13 (trixie) is needed (apt, debootstrap and Debian's docker.io); this is ${PRETTY_NAME:-unknown}") ;;
esac
arch="$(uname -m)"
case "$arch" in
  x86_64|aarch64) ;;
  *) problems+=("CPU: amd64 or arm64 is needed; this is $arch") ;;
esac
[ "$(id -u)" -eq 0 ] || problems+=("user: root is needed (apt-get, dockerd, network namespaces, debootstrap); run as root, e.g. sudo -i")
cores="$(nproc)"
[ "$cores" -ge 2 ] || problems+=("CPU: 2 cores or more are needed (Pulumi's Go build and Krill's Rust build run side by side); this has $cores")
mem_kb="$(awk '/^MemTotal:/{print $2}' /proc/meminfo)"
[ "$mem_kb" -ge $((4 * 1024 * 1024)) ] || problems+=("memory: 4 GiB or more is needed (the Rust and Go builds, the lab); this has $((mem_kb / 1024)) MiB")
free_kb="$(df -Pk "$CACHE" | awk 'NR==2{print $4}')"
[ "$free_kb" -ge $((20 * 1024 * 1024)) ] || problems+=("disk: 20 GiB free is needed under $CACHE (toolchains, builds, images); $((free_kb / 1024 / 1024)) GiB is free")
# Toolchains the bootstrap builds with (it does not install them): needed
# only while their build is not cached yet.
gov="-" rv="-"
if [ -x "$CACHE/pulumi-$PULUMI_VERSION/bin/pulumi" ]; then
  gov="not needed (pulumi cached)"
elif command -v go >/dev/null; then
  gov="$(go env GOVERSION 2>/dev/null | sed 's/^go//')"
  at_least "$gov" 1.26 || problems+=("Go: 1.26 or newer builds the Pulumi CLI; this has $gov (https://go.dev/dl/)")
else
  problems+=("Go: 1.26 or newer builds the Pulumi CLI; none is on PATH (https://go.dev/dl/)")
fi
if [ -x "$(krill_dir)/bin/krill" ]; then
  rv="not needed (krill cached)"
elif command -v cargo >/dev/null && command -v rustc >/dev/null; then
  rv="$(rustc --version | awk '{print $2}')"
  at_least "$rv" 1.88 || problems+=("Rust: 1.88 or newer builds Krill $KRILL_VERSION; this has $rv (rustup update)")
else
  problems+=("Rust: 1.88 or newer builds Krill $KRILL_VERSION; no cargo/rustc on PATH (install with rustup)")
fi
py="${PYTHON:-python3}"
if command -v "$py" >/dev/null; then
  "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || problems+=("Python: 3.11 or newer makes the venv; $py is $("$py" -V 2>&1 || echo "not a working Python")")
else
  problems+=("Python: 3.11 or newer makes the venv; no $py on PATH")
fi

if [ ${#problems[@]} -gt 0 ]; then
  log "this machine cannot run personal-as's bootstrap yet:"
  for p in "${problems[@]}"; do log "  - $p"; done
  die "fix the above and run the command again (nothing was installed)"
fi
log "machine: ${PRETTY_NAME:-?}, $arch, $cores cores, $((mem_kb / 1024 / 1024)) GiB, Go $gov, Rust $rv: fine"
