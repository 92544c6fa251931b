#!/bin/sh
# metrics-tunnel <ssh arguments...>: home's way to vps's exporters, which
# listen on vps's loopback only. SSH with the stack's own key, to a user
# that may do nothing but these forwards; retried every 2 s for ever, so a
# cut link or a rebooted vps is caught up with as soon as it answers.
# ServerAlive*: a dead path is given up within 15 s.
while :; do
  ssh -N -o BatchMode=yes -o ExitOnForwardFailure=yes -o ServerAliveInterval=5 -o ServerAliveCountMax=3 \
      -o ConnectTimeout=10 -o StrictHostKeyChecking=yes "$@"
  echo "metrics-tunnel: ssh exited ($?); again in 2 s" >&2
  sleep 2
done
