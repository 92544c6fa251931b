#!/usr/bin/env bash
# Makes the base image the Dockerfiles build FROM. No container registry is
# reachable here, so `docker pull debian:bookworm-slim` fails; debootstrap a
# minimal $DEBIAN_RELEASE (scripts/versions.env) and `docker import` it instead. The rootfs tarball is
# cached by release, so a new clone (or a pruned engine) re-imports in seconds.
#   build-base-image.sh          for this machine
#   build-base-image.sh arm64    for arm64 hosts: debootstrap runs the
#                                target's binaries through qemu-user-static
#                                (bootstrap-arm64.sh registers it)
. "$(dirname "$0")/lib.sh"

ARCH="${1:-native}"
case "$ARCH" in
  native) suffix=""; arch_opts=() ;;
  arm64) suffix="-arm64"; arch_opts=(--arch=arm64) ;;
  *) die "build-base-image.sh: unknown arch '$ARCH' (native or arm64)" ;;
esac
IMAGE="personal-as/base:$DEBIAN_RELEASE-$BASE_IMAGE_VERSION$suffix"
TARBALL="$CACHE/base-$DEBIAN_RELEASE-$BASE_IMAGE_VERSION$suffix.tar"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SECURITY_MIRROR="${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"

want_arch="$(docker version -f '{{.Server.Arch}}')"
[ "$ARCH" = native ] || want_arch="$ARCH"
if [ "$(docker image inspect -f '{{.Architecture}}' "$IMAGE" 2>/dev/null)" = "$want_arch" ]; then
  log "base image: $IMAGE present"
  exit 0
fi
if [ ! -s "$TARBALL" ]; then
  command -v debootstrap >/dev/null || die "debootstrap missing; install the debootstrap package"
  rootfs="$(mktemp -d)"
  trap 'rm -rf "$rootfs"' EXIT
  with_progress "base image: debootstrap $DEBIAN_RELEASE $ARCH" "$CACHE/debootstrap$suffix.log" \
    debootstrap "${arch_opts[@]}" --variant=minbase "$DEBIAN_RELEASE" "$rootfs" "$MIRROR"
  # Security fixes: debootstrap takes the release as it was at its point
  # release; the images take the security archive and the release's
  # updates too, now and at every rebuild.
  cat >"$rootfs/etc/apt/sources.list" <<SOURCES
deb $MIRROR $DEBIAN_RELEASE main
deb $MIRROR $DEBIAN_RELEASE-updates main
deb $SECURITY_MIRROR $DEBIAN_RELEASE-security main
SOURCES
  with_progress "base image: security updates" "$CACHE/base-upgrade$suffix.log" \
    chroot "$rootfs" sh -c 'apt-get update -qq -o Acquire::Languages=none && DEBIAN_FRONTEND=noninteractive apt-get -y -qq upgrade'
  # The mirror serves the release's newest point release only. The one
  # tested here is pinned; a newer one builds (its fixes are wanted) but says so.
  got="$(cat "$rootfs/etc/debian_version")"
  [ "$got" = "$DEBIAN_POINT_RELEASE" ] \
    || log "base image: WARNING: the mirror gave Debian $got, the stack was tested on $DEBIAN_POINT_RELEASE (scripts/versions.env DEBIAN_POINT_RELEASE)"
  # Slim: a container reads no documentation, manual pages or translations,
  # and apt's package caches are rebuilt by every `apt-get update` anyway.
  # dpkg's excludes keep them out of what the images install later too (the
  # copyright files stay: they are the packages' licences).
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/01-personal-as-slim" <<'DPKG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
DPKG
  cat >"$rootfs/etc/apt/apt.conf.d/01-personal-as-slim" <<'APT'
// apt's package cache lives with the lists it is built from, so the
// `rm -rf /var/lib/apt/lists/*` that ends every Dockerfile's apt step takes
// it too: no cache in an image layer. Not none (Dir::Cache::pkgcache ""):
// then every apt command parses the whole lists again, and `apt-get install`
// after `apt-get update` did it twice. Under qemu-user (the arm64 images)
// that was 60 s of `apt-get install -s bird2` against 23 (2026-12-06).
Dir::Cache::pkgcache "/var/lib/apt/lists/pkgcache.bin";
Dir::Cache::srcpkgcache "";
// No description translations: no image reads them, and they are a third
// of what `apt-get update` fetches and indexes.
Acquire::Languages "none";
APT::Install-Recommends "false";
// apt-get keeps every .deb it downloaded in /var/cache/apt/archives (the
// apt binary does not): without this, each image's apt layer carried its
// packages twice, installed and as .debs. The metrics image held 65 MB of
// them, already compressed, so half its gzipped size (2026-12-06).
APT::Keep-Downloaded-Packages "false";
APT
  find "$rootfs/usr/share/doc" -mindepth 1 ! -name copyright ! -type d -delete
  find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
  rm -rf "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/usr/share/lintian/*
  find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/lib/apt/lists/* \
    "$rootfs"/var/log/apt/* "$rootfs"/var/log/dpkg.log "$rootfs"/var/log/bootstrap.log
  tar -C "$rootfs" -cf "$TARBALL.partial" .
  mv "$TARBALL.partial" "$TARBALL"
fi
if [ "$ARCH" = native ]; then
  docker import \
    --change "LABEL org.opencontainers.image.title=personal-as-base" \
    --change "LABEL org.opencontainers.image.version=$DEBIAN_RELEASE" \
    --change 'CMD ["/bin/bash"]' \
    "$TARBALL" "$IMAGE" >/dev/null
else
  # `docker import` labels an image with the engine's own architecture; a
  # build from scratch takes the platform it is given.
  ctx="$(mktemp -d)"
  ln "$TARBALL" "$ctx/rootfs.tar" 2>/dev/null || cp "$TARBALL" "$ctx/rootfs.tar"
  cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM scratch
ADD rootfs.tar /
LABEL org.opencontainers.image.title=personal-as-base org.opencontainers.image.version=$DEBIAN_RELEASE
CMD ["/bin/bash"]
DOCKERFILE
  docker build -q --platform "linux/$ARCH" --network host -t "$IMAGE" "$ctx" >"$CACHE/base-build$suffix.log" 2>&1 \
    || { tail -n 20 "$CACHE/base-build$suffix.log" >&2; die "building $IMAGE failed"; }
  rm -rf "$ctx"
fi
