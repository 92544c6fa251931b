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
    # OpenSSL built from source for the target by the openssl crate, so no
    # arm64 libssl-dev (multiarch) is needed here; the binary links it in.
    features=(--features openssl/vendored)
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
