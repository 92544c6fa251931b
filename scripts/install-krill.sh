#!/usr/bin/env bash
# Builds krill and krillc, pinned, with `cargo install --locked` and caches the
# binaries outside the clone by version and architecture. Debian has no Krill
# package.
#   install-krill.sh            for this machine
#   install-krill.sh arm64      cross-built for arm64 hosts (bootstrap-arm64.sh
#                               sets up the toolchain first)
. "$(dirname "$0")/lib.sh"

ARCH="${1:-native}"
case "$ARCH" in
  native) DEST="$(krill_dir)"; target=(); features=() ;;
  arm64)
    DEST="$(krill_dir arm64)"
    target=(--target aarch64-unknown-linux-gnu)
    features=()
    export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
    export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc AR_aarch64_unknown_linux_gnu=aarch64-linux-gnu-ar
    ;;
  *) die "install-krill.sh: unknown arch '$ARCH' (native or arm64)" ;;
esac
if [ -x "$DEST/bin/krill" ] && [ -x "$DEST/bin/krillc" ]; then
  log "krill $KRILL_VERSION ($ARCH): cached in $DEST/bin"
  exit 0
fi
command -v cargo >/dev/null || die "cargo is needed to build krill; install Rust (rustup) 1.88+"

# Debian's own OpenSSL for arm64 (this machine's release: the one its cross
# toolchain's libc is), its headers and libraries unpacked into the cache:
# what the arm64 binary links against, as the native one links this
# machine's. Not the openssl crate's `vendored` build: compiling OpenSSL
# for the target was 12 of a cold arm64 build's minutes. Not dpkg's
# multiarch either: it would change this machine's apt for good. At run
# time the arm64 image's own libssl3 (Krill's image installs it) is used.
arm64_openssl() {
  local codename mirror dir index pkg file
  codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
  mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
  dir="$CACHE/openssl-arm64-$codename"
  [ -f "$dir/.complete" ] && { echo "$dir"; return 0; }
  rm -rf "$dir.partial"
  mkdir -p "$dir.partial"
  index="$dir.partial/Packages"
  curl -fsS "$mirror/dists/$codename/main/binary-arm64/Packages.xz" | xz -dc >"$index" \
    || die "cannot read $codename's arm64 package index from $mirror"
  for pkg in libssl-dev libssl3t64 libssl3; do
    file=$(awk -v p="$pkg" '$1 == "Package:" { cur = $2 } $1 == "Filename:" && cur == p { print $2; exit }' "$index")
    [ -n "$file" ] || continue
    curl -fsS "$mirror/$file" -o "$dir.partial/$pkg.deb" || die "cannot fetch $mirror/$file"
    dpkg-deb -x "$dir.partial/$pkg.deb" "$dir.partial/root"
    [ "$pkg" = libssl-dev ] || break  # one of libssl3t64 (trixie on) or libssl3
  done
  [ -e "$dir.partial/root/usr/lib/aarch64-linux-gnu/libssl.so" ] || die "no arm64 libssl-dev in $codename at $mirror"
  rm -f "$dir.partial"/*.deb "$index"
  touch "$dir.partial/.complete"
  rm -rf "$dir"; mv "$dir.partial" "$dir"
  echo "$dir"
}
if [ "$ARCH" = arm64 ]; then
  ssl="$(arm64_openssl)/root" || exit 1
  export AARCH64_UNKNOWN_LINUX_GNU_OPENSSL_LIB_DIR="$ssl/usr/lib/aarch64-linux-gnu"
  export AARCH64_UNKNOWN_LINUX_GNU_OPENSSL_INCLUDE_DIR="$ssl/usr/include"
  # opensslconf.h and configuration.h are in the multiarch include folder.
  export CFLAGS_aarch64_unknown_linux_gnu="-I$ssl/usr/include/aarch64-linux-gnu"
fi
# Build into a scratch root and move it in place at the end, so an
# interrupted build never leaves a half-installed cache entry behind.
tmp="$DEST.partial"
rm -rf "$tmp"
# Only the two binaries the project runs, without the default features it
# never uses (HSM/KMIP/PKCS#11 signers, multi-user logins with OpenID Connect):
# a smaller dependency tree, so a cold build is minutes shorter.
# Every crate at KRILL_OPT_LEVEL (versions.env says why).
export CARGO_PROFILE_RELEASE_OPT_LEVEL="$KRILL_OPT_LEVEL"
with_progress "krill $KRILL_VERSION $ARCH (cargo install, ~4 min cold)" "$CACHE/krill-build-$ARCH.log" \
  cargo install --locked --no-default-features "${features[@]}" "${target[@]}" \
    --bin krill --bin krillc --root "$tmp" "krill@$KRILL_VERSION"
rm -rf "$DEST"; mv "$tmp" "$DEST"
[ "$ARCH" = native ] && "$DEST/bin/krill" --version
log "krill $KRILL_VERSION ($ARCH): installed in $DEST/bin"
