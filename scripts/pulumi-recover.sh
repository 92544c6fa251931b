#!/usr/bin/env bash
# Makes a stack usable after an interrupted `pulumi up` (SIGKILL, power cut):
# a leftover lock is cancelled, and pending operations the engine recorded
# are cleared by a refresh, which re-reads what really exists. Without this a
# killed run leaves state that needs manual surgery.
set -euo pipefail
stack="$1"
if pulumi stack export --stack "$stack" 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin).get("deployment", {})
sys.exit(0 if d.get("pending_operations") else 1)'; then
  echo "== $stack: an earlier run was interrupted; clearing its pending operations"
  pulumi cancel --stack "$stack" --yes >/dev/null 2>&1 || true
  pulumi refresh --stack "$stack" --yes --non-interactive --skip-preview --clear-pending-creates >/dev/null
fi
