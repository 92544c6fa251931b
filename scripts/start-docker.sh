#!/usr/bin/env bash
# Starts Debian's dockerd on the standard socket when no engine answers.
# The machine has no init system that would do it for us.
. "$(dirname "$0")/lib.sh"

if docker info >/dev/null 2>&1; then
  log "docker: engine answers"
  exit 0
fi
command -v dockerd >/dev/null || die "dockerd missing; install the docker.io package"
log "docker: starting dockerd"
# No default bridge: the lab needs none (builds use the host network, lab hosts
# start with network_mode=none), and docker0 would take a private range.
nohup dockerd --bridge=none --iptables=false --ip6tables=false \
  >"$CACHE/dockerd.log" 2>&1 &
for _ in $(seq 1 60); do
  docker info >/dev/null 2>&1 && { log "docker: engine up"; exit 0; }
  sleep 1
done
tail -n 30 "$CACHE/dockerd.log" >&2
die "dockerd did not answer within 60s; log in $CACHE/dockerd.log"
