#!/usr/bin/env bash
# What building images for arm64 hosts needs on an amd64 machine, idempotent
# (`make bootstrap-arm64`; `make test` runs it for its arm64 tier):
# - Debian's qemu-user-static, registered with binfmt_misc with the F flag,
#   so `docker build` runs the arm64 image's own apt and dpkg;
# - the aarch64 cross linker from Debian and Rust's aarch64 standard library
#   (rustup), for Krill, which Debian does not package;
# - then Krill for arm64 and the arm64 base image, cached like the amd64 ones.
. "$(dirname "$0")/lib.sh"
start=$SECONDS
S="$ROOT/scripts"
[ "$(uname -m)" = x86_64 ] || die "bootstrap-arm64 is for amd64 machines; an arm64 machine builds arm64 images natively"
bash "$S/install-packages.sh" qemu-user-static binfmt-support gcc-aarch64-linux-gnu libc6-dev-arm64-cross
bash "$S/start-docker.sh"

binfmt=/proc/sys/fs/binfmt_misc
if ! [ -e "$binfmt/status" ]; then
  mount -t binfmt_misc binfmt_misc "$binfmt" || die "cannot mount binfmt_misc (the kernel needs CONFIG_BINFMT_MISC)"
fi
[ -e "$binfmt/qemu-aarch64" ] || update-binfmts --enable qemu-aarch64 || die "cannot register qemu-aarch64 with binfmt_misc"
# F: the kernel opens the interpreter now, so it works inside containers too.
grep -q '^flags: .*F' "$binfmt/qemu-aarch64" || die "qemu-aarch64 is registered without the F flag; containers cannot use it"
grep -q '^enabled' "$binfmt/qemu-aarch64" || die "qemu-aarch64 is registered but disabled (update-binfmts --enable qemu-aarch64)"
log "arm64: qemu-aarch64 registered with binfmt_misc"

command -v rustup >/dev/null || die "rustup is needed for Rust's aarch64 standard library"
rustup target list --installed | grep -qx aarch64-unknown-linux-gnu || rustup target add aarch64-unknown-linux-gnu
bash "$S/install-krill.sh" arm64
bash "$S/build-base-image.sh" arm64
# The images an arm64 host runs (the arm64 tier's), into Docker's build
# cache: their apt steps run under qemu-user, 8 min of a core cold. They
# build in the idle CPU cgroup, all at once: beside the other tiers they
# take only cores nothing else wants (`nice` would reach only this client;
# in a cold run at the default weight they slowed the vmlab guide by 5 min,
# docs/testing.md), and whatever is left runs on both cores at the end.
if [ -x "$ROOT/.venv/bin/python" ]; then
  idle=()
  if parent="$(idle_cgroup)"; then idle=(--idle-cgroup "$parent")
  else log "arm64 images: no idle CPU cgroup here; they build at the default weight"; fi
  "$ROOT/.venv/bin/python" "$S/prebuild_images.py" --arch arm64 "${idle[@]}" bird nginx krill \
    || log "arm64 images: not prebuilt; \`pulumi up\` (or the arm64 tier) builds them"
fi
log "bootstrap-arm64 complete in $((SECONDS - start))s"
