#!/usr/bin/env bash
# One idempotent bootstrap: Debian packages, the Docker engine, the venv, the
# Pulumi CLI and plugins, and Krill. Both README commands call it. A second run
# on the same machine, or in a fresh clone on it, reuses the cache and is fast.
. "$(dirname "$0")/lib.sh"
start=$SECONDS
S="$ROOT/scripts"
bash "$S/install-packages.sh"
bash "$S/start-docker.sh"
bash "$S/install-venv.sh"
# The two long builds share nothing, so run them side by side.
bash "$S/install-pulumi.sh" & p1=$!
bash "$S/install-krill.sh" & p2=$!
wait $p1 || die "pulumi install failed"
wait $p2 || die "krill install failed"
bash "$S/link-tools.sh"
bash "$S/build-base-image.sh"
log "bootstrap complete in $((SECONDS - start))s; for a shell: source scripts/env.sh"
