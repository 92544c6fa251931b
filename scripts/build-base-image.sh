#!/usr/bin/env bash
# Makes the base image the Dockerfiles build FROM. No container registry is
# reachable here, so `docker pull debian:bookworm-slim` fails; debootstrap a
# minimal bookworm and `docker import` it instead. The rootfs tarball is
# cached by release, so a new clone (or a pruned engine) re-imports in seconds.
. "$(dirname "$0")/lib.sh"

IMAGE="personal-as/base:$DEBIAN_RELEASE"
TARBALL="$CACHE/base-$DEBIAN_RELEASE.tar"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  log "base image: $IMAGE present"
  exit 0
fi
if [ ! -s "$TARBALL" ]; then
  command -v debootstrap >/dev/null || die "debootstrap missing; install the debootstrap package"
  rootfs="$(mktemp -d)"
  trap 'rm -rf "$rootfs"' EXIT
  with_progress "base image: debootstrap $DEBIAN_RELEASE" "$CACHE/debootstrap.log" \
    debootstrap --variant=minbase "$DEBIAN_RELEASE" "$rootfs" "$MIRROR"
  # Keep images small and apt quiet about missing terminals.
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -cf "$TARBALL.partial" .
  mv "$TARBALL.partial" "$TARBALL"
fi
docker import \
  --change "LABEL org.opencontainers.image.title=personal-as-base" \
  --change "LABEL org.opencontainers.image.version=$DEBIAN_RELEASE" \
  --change 'CMD ["/bin/bash"]' \
  "$TARBALL" "$IMAGE" >/dev/null
log "base image: imported $IMAGE"
