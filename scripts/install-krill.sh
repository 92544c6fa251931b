#!/usr/bin/env bash
# Builds krill and krillc, pinned, with `cargo install --locked` and caches the
# binaries outside the clone by version. Debian has no Krill package.
. "$(dirname "$0")/lib.sh"

DEST="$CACHE/krill-$KRILL_VERSION-core"
if [ -x "$DEST/bin/krill" ] && [ -x "$DEST/bin/krillc" ]; then
  log "krill $KRILL_VERSION: cached in $DEST/bin"
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
with_progress "krill $KRILL_VERSION (cargo install, ~8 min cold)" "$CACHE/krill-build.log" \
  cargo install --locked --no-default-features --bin krill --bin krillc --root "$tmp" "krill@$KRILL_VERSION"
rm -rf "$DEST"; mv "$tmp" "$DEST"
"$DEST/bin/krill" --version
log "krill $KRILL_VERSION: installed in $DEST/bin"
