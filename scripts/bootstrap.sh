#!/usr/bin/env bash
# One idempotent bootstrap: Debian packages, the Docker engine, the venv, the
# Pulumi CLI and plugins, and Krill. Both README commands call it. A second run
# on the same machine, or in a fresh clone on it, reuses the cache and is fast.
. "$(dirname "$0")/lib.sh"
start=$SECONDS
S="$ROOT/scripts"
bash "$S/check-machine.sh"
bash "$S/install-packages.sh"
bash "$S/start-docker.sh"
# The two long builds share nothing, so run them side by side, from the
# start: they keep both cores busy on a cold machine, so what mostly waits
# on the network runs beside them: the venv (pip), the base image
# (debootstrap), then Docker's build cache for every image (apt inside the
# builds; the niced client does not nice them: Docker runs them in its own
# containers), so the first `pulumi up` builds from the cache. (The
# unit tier runs IRRd's parser and BIRD's `bird -p` in those images: IRRd
# is built once, in its image, not again on this machine.)
bash "$S/install-pulumi.sh" & p_pulumi=$!
bash "$S/install-krill.sh" & p_krill=$!
bash "$S/build-base-image.sh" & p_base=$!
bash "$S/install-venv.sh"
wait $p_base || die "base image build failed"
PREBUILD_LOG="$CACHE/prebuild-images.log"
nice -n 10 "$ROOT/.venv/bin/python" "$S/prebuild_images.py" >"$PREBUILD_LOG" 2>&1 &
p_images=$!
wait $p_krill || die "krill install failed"
wait $p_images || true  # it never fails: `up` builds what it could not
# Krill's images (krill, and host with krillc) need its binaries.
nice -n 10 "$ROOT/.venv/bin/python" "$S/prebuild_images.py" krill host >>"$PREBUILD_LOG" 2>&1 & p_krill_images=$!
wait $p_pulumi || die "pulumi install failed"
wait $p_krill_images || true
[ -s "$PREBUILD_LOG" ] && log "image cache: $(grep -c ' in [0-9]* s$' "$PREBUILD_LOG") builds warmed (log: $PREBUILD_LOG)"
bash "$S/link-tools.sh"
log "bootstrap complete in $((SECONDS - start))s; for a shell: source scripts/env.sh"
