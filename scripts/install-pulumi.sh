#!/usr/bin/env bash
# Builds the Pulumi CLI, pinned, from the Go module proxy (no registry ships it
# as a binary here) and caches it outside the clone, keyed by version.
# If a pulumi is already on PATH we use it instead, as DESIGN.md asks.
. "$(dirname "$0")/lib.sh"

DEST="$CACHE/pulumi-$PULUMI_VERSION"
BIN="$DEST/bin"
SDK_MOD="github.com/pulumi/pulumi/sdk/v3"
PKG_MOD="github.com/pulumi/pulumi/pkg/v3"

if [ -x "$BIN/pulumi" ] && [ -x "$BIN/pulumi-language-python-exec" ]; then
  log "pulumi $PULUMI_VERSION: cached in $BIN"
  exit 0
fi

command -v go >/dev/null || die "go is needed to build pulumi; install Go 1.26+"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$BIN"

# pkg/v3's own go.mod replaces sdk/v3 with a relative path and swaps the
# clipboard module for a fork. Those replaces are ignored in a dependency, so a
# wrapper module must require both halves at one version and repeat the fork.
cat >"$work/go.mod" <<MOD
module personal-as.invalid/pulumi-build

go 1.26

replace github.com/atotto/clipboard => ${PULUMI_CLIPBOARD_REPLACE/@/ }
MOD
cd "$work"
export GOFLAGS=-mod=mod GOTOOLCHAIN=local
log "pulumi $PULUMI_VERSION: resolving modules"
go get "$PKG_MOD@v$PULUMI_VERSION" "$SDK_MOD@v$PULUMI_VERSION" >"$work/get.log" 2>&1 \
  || { tail -n 30 "$work/get.log" >&2; die "go get of pulumi $PULUMI_VERSION failed"; }

# Without the version ldflag `pulumi version` prints nothing and the
# Automation API refuses the CLI.
with_progress "pulumi $PULUMI_VERSION (go build, several minutes cold)" "$CACHE/pulumi-build.log" \
  go build -trimpath -ldflags "-s -w -X $SDK_MOD/go/common/version.Version=v$PULUMI_VERSION" \
  -o "$BIN/pulumi.tmp" "$PKG_MOD/cmd/pulumi"
mv "$BIN/pulumi.tmp" "$BIN/pulumi"

# The Python exec script and the dynamic-provider launcher are plain files in
# the sdk/v3 module at the same version.
sdk_dir="$(go list -m -f '{{.Dir}}' "$SDK_MOD")"
install -m 0755 "$sdk_dir/python/cmd/pulumi-language-python-exec" "$BIN/pulumi-language-python-exec"
install -m 0755 "$sdk_dir/python/dist/pulumi-resource-pulumi-python" "$BIN/pulumi-resource-pulumi-python"
"$BIN/pulumi" version
log "pulumi $PULUMI_VERSION: installed in $BIN"
