#!/usr/bin/env bash
# IRRd's own venv, for its RPSL parser in the unit tier: pinned apart from
# the project's (scripts/irrd-requirements.lock), cached by the lock's hash.
# Two of IRRd's dependencies (datrie, py-radix-sr) build C extensions.
. "$(dirname "$0")/lib.sh"

PY="${PYTHON:-python3}"
key="$(sha256sum "$ROOT/scripts/irrd-requirements.lock" | cut -c1-12)"
VENV="$CACHE/irrd-venv-$key"
if [ ! -f "$VENV/.complete" ]; then
  command -v gcc >/dev/null || die "gcc is needed to build IRRd's C extensions (apt install build-essential)"
  log "irrd venv: creating $VENV"
  rm -rf "$VENV"
  "$PY" -m venv "$VENV"
  with_progress "irrd venv: pip install" "$CACHE/irrd-pip.log" \
    "$VENV/bin/pip" install --disable-pip-version-check -q -r "$ROOT/scripts/irrd-requirements.lock"
  touch "$VENV/.complete"
else
  log "irrd venv: cached ($VENV)"
fi
ln -sfn "$VENV" "$CACHE/irrd-venv"
