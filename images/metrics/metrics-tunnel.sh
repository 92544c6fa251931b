#!/bin/sh
# metrics-tunnel KEY KNOWN_HOSTS PORT USER@HOST [-L ...]...: home's way to
# vps's exporters, which listen on vps's loopback only. SSH with the stack's
# own key, to a user that may do nothing but these forwards, checking vps's
# host key as the stack pinned it; retried every 2 s for ever, so a cut link
# or a rebooted vps is caught up with as soon as it answers.
# ServerAlive*: a dead path is given up within 15 s.
set -eu
if [ "$(id -u)" = 0 ]; then
  # The key is 0600 root on the host: ssh runs as nobody with a private
  # copy in this container's memory.
  install -o nobody -g nogroup -m 0600 "$1" /dev/shm/tunnel-key
  install -o nobody -g nogroup -m 0644 "$2" /dev/shm/known_hosts
  shift 2
  exec setpriv --reuid nobody --regid nogroup --clear-groups "$0" /dev/shm/tunnel-key /dev/shm/known_hosts "$@"
fi
key=$1 known=$2 port=$3 dest=$4
shift 4
while :; do
  rc=0
  ssh -N -i "$key" -p "$port" -o UserKnownHostsFile="$known" -o StrictHostKeyChecking=yes -o BatchMode=yes \
      -o ExitOnForwardFailure=yes -o ServerAliveInterval=5 -o ServerAliveCountMax=3 -o ConnectTimeout=10 \
      "$@" "$dest" || rc=$?
  echo "metrics-tunnel: ssh to $dest exited ($rc); again in 2 s" >&2
  sleep 2
done
