#!/usr/bin/env bash
# Debian packages the project needs on the machine itself: the Docker engine,
# bird2/nginx for checking rendered configs with the real binaries, and
# docker-registry, the local end images are shipped to real hosts from;
# promtool and amtool (prometheus, prometheus-alertmanager) check the
# rendered alert rules and Alertmanager config, and prometheus runs the
# status page's console template in the unit tier; graphviz draws the
# topology picture `pulumi up` puts on the status page; gpg encrypts the
# state backups (scripts/state.sh).
. "$(dirname "$0")/lib.sh"

PACKAGES=(docker.io docker-registry bird2 nginx-light prometheus prometheus-alertmanager graphviz iproute2 debootstrap openssh-client nftables ca-certificates curl openssl util-linux gpg)
# Callers may need more (bootstrap-arm64.sh: the cross toolchain).
PACKAGES+=("$@")

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  log "debian packages: all present"
  exit 0
fi

[ "$(id -u)" -eq 0 ] || die "installing ${missing[*]} needs root (apt-get)"
# One apt at a time from this project: the tiers run side by side, and
# `apt-get update` does not wait for another's lock.
exec 8>"$CACHE/apt.lock"
flock 8
log "debian packages: installing ${missing[*]}"
# Package scripts must not start bird or nginx on the machine: the project
# only uses these binaries to check configs, and nginx would grab port 80.
policy=/usr/sbin/policy-rc.d
cleanup_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; cleanup_policy=1
fi
export DEBIAN_FRONTEND=noninteractive
{ apt-get -o DPkg::Lock::Timeout=300 update -qq && apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}"; } \
  >>"$CACHE/apt.log" 2>&1 || { tail -n 30 "$CACHE/apt.log" >&2; [ $cleanup_policy = 1 ] && rm -f "$policy"; die "apt-get install failed"; }
[ $cleanup_policy = 1 ] && rm -f "$policy"
log "debian packages: installed"
