#!/usr/bin/env bash
# Creates the project's virtualenv from pinned requirements. The venv itself
# lives in the cache, keyed by the requirements and the Python version, and
# .venv is a symlink to it: a fresh clone on the same machine is ready at once.
. "$(dirname "$0")/lib.sh"

PY="${PYTHON:-python3}"
command -v "$PY" >/dev/null || die "python3 (3.11+) is needed"
pyver="$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
key="$(cat "$ROOT"/requirements.txt "$ROOT"/requirements.lock 2>/dev/null | sha256sum | cut -c1-12 || true)"
VENV="$CACHE/venv-py$pyver-$key"

if [ ! -f "$VENV/.complete" ]; then
  log "venv: creating $VENV"
  rm -rf "$VENV"
  "$PY" -m venv "$VENV"
  constraints=()
  [ -f "$ROOT/requirements.lock" ] && constraints=(-c "$ROOT/requirements.lock")
  with_progress "venv: pip install" "$CACHE/pip.log" \
    "$VENV/bin/pip" install --disable-pip-version-check -q -r "$ROOT/requirements.txt" "${constraints[@]}"
  touch "$VENV/.complete"
else
  log "venv: cached ($VENV)"
fi
ln -sfn "$VENV" "$ROOT/.venv"
