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
  # Twice: on a fresh machine the package index has failed one fetch, which
  # pip reports as an unresolvable conflict (2026-12-05, mkdocs-material's
  # dependencies); the same pins installed on the next try. The log keeps
  # pip's whole account of both tries.
  pip_install() { "$VENV/bin/pip" install --disable-pip-version-check --progress-bar off \
    -r "$ROOT/requirements.txt" "${constraints[@]}"; }
  if ! pip_install >"$CACHE/pip.log" 2>&1; then
    log "venv: pip install failed once ($(grep -m1 ERROR "$CACHE/pip.log" | cut -c1-120)); trying again"
    mv "$CACHE/pip.log" "$CACHE/pip-first-try.log"
    with_progress "venv: pip install" "$CACHE/pip.log" pip_install
  fi
  touch "$VENV/.complete"
else
  log "venv: cached ($VENV)"
fi
ln -sfn "$VENV" "$ROOT/.venv"
