#!/usr/bin/env bash
# Makes a stack usable after an interrupted `pulumi up` (SIGKILL, OOM, power
# cut), with no manual state surgery:
#  0. an empty checkpoint sidecar left by a kill mid-write is removed;
#  1. a lock left by a `pulumi` process that no longer exists is cancelled
#     (a live one is left alone: that run is still going);
#  2. operations the engine recorded as pending (it was killed between
#     starting and finishing them) are cleared by a refresh, which re-reads
#     what really exists; resources it half-created are then found by the
#     next `up` through their labels and names.
# Idempotent: on a healthy stack it does nothing.
set -euo pipefail
stack="$1"
state="${PULUMI_BACKEND_URL#file://}"

# A run killed while it wrote its checkpoint can leave the file backend's
# metadata sidecar (<stack>.json.attrs) empty, and every later command then
# fails with "failed to load checkpoint: EOF"; the checkpoint itself is
# written to a temp file and renamed, so it is whole. Without the sidecar the
# backend reads the checkpoint with no metadata, which is all it holds.
stacks_dir="$state/.pulumi/stacks"
if [ -d "$stacks_dir" ]; then
  while IFS= read -r attrs; do
    echo "== $stack: a killed run left an empty $(basename "$attrs"); removing it"
    rm -f "$attrs"
  done < <(find "$stacks_dir" -name "$stack.json.attrs" -size 0 2>/dev/null)
fi

# The file backend keeps one lock file per running update, holding its pid.
locks_dir="$state/.pulumi/locks"
if [ -d "$locks_dir" ]; then
  while IFS= read -r lock; do
    pid="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("pid", ""))' "$lock" 2>/dev/null || true)"
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      echo "== $stack: a pulumi run (pid $pid) died holding the stack lock; cancelling it"
      pulumi cancel --stack "$stack" --yes --non-interactive >/dev/null
      break
    fi
  done < <(find "$locks_dir" -path "*/$stack/*" -name '*.json' 2>/dev/null)
fi

if pulumi stack export --stack "$stack" 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin).get("deployment", {})
sys.exit(0 if d.get("pending_operations") else 1)'; then
  echo "== $stack: an earlier run was interrupted; clearing its pending operations"
  # At 8 operations at once (the engine's default on two cores), not 32:
  # it re-reads every resource right after a kill, and once (of two runs)
  # failed at 32. Its output is shown when it fails, so the next one says why.
  if ! out=$(pulumi refresh --stack "$stack" --yes --non-interactive --skip-preview --clear-pending-creates \
      --parallel 8 2>&1); then
    printf '%s\n' "$out" | tail -n 60
    echo "== $stack: the refresh that clears pending operations failed (its output above)" >&2
    exit 1
  fi
fi
