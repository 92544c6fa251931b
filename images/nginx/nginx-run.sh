#!/bin/bash
# nginx-run CONF: nginx in the foreground, reloaded when asked by a request
# file rather than a signal from outside. The ACME client (another
# container, another user) and the stack's `up` (a root shell on the host)
# can then have nginx re-read its config and certificates without sharing
# its PID namespace, and without root in the client.
#
# NGINX_RELOAD_ON: the files a request is written to, one per asker (each
# writes a new serial into its own). A file whose content changed since the
# last look is a request. The answer goes to $RUN/reloaded ("<serial of the
# stack's request> ok|failed"), and $RUN/alive is touched at every look (every 2 s), so
# the stack's `up` knows whether anyone is there to wait for.
# NGINX_KEYS_DIR: where lego hands over TLS keys (its own, 0600): made
# root's before every start and reload, so the master reads them with no
# capability to bypass file modes.
set -u
conf=$1
run=${NGINX_RUN_DIR:-/run/nginx}  # settable for the unit test only
poll=${NGINX_POLL_S:-2}  # the same
request=$run/reload-request

own_keys() {
  [ -n "${NGINX_KEYS_DIR:-}" ] && [ -d "$NGINX_KEYS_DIR" ] || return 0
  for key in "$NGINX_KEYS_DIR"/*.key; do
    [ -f "$key" ] || continue
    if [ "$(stat -c %u:%g:%a "$key")" != 0:0:600 ]; then
      chown 0:0 "$key" && chmod 0600 "$key"
    fi
  done
}

# A pause with no process of its own: bash's `read -t` on a FIFO that
# nothing writes. A `sleep` every 2 s was a fork and an exec each time,
# about 60 ms of an emulated vCPU (vmlab's vps, 2026-12-06).
open_nap() {
  local fifo="$run/.nap.$BASHPID"
  rm -f "$fifo" && mkfifo -m 600 "$fifo" && exec 9<>"$fifo" && rm -f "$fifo"
}
nap() { read -r -t "$1" -u 9 _ || :; }

seen() {
  # What every request file holds now, in $now: builtins only, as this runs
  # every 2 s on what may be a one-vCPU VPS.
  now=""
  for f in ${NGINX_RELOAD_ON:-}; do
    v=""
    [ -r "$f" ] && read -r v < "$f"
    now="$now $f=$v"
  done
}

own_keys
# A request left from before this start is answered by the start itself.
seen
last=$now
nginx -g 'daemon off;' -c "$conf" &
nginx=$!

reload() {
  own_keys
  if nginx -q -t -c "$conf" 2>"$run/test.log" && kill -HUP "$nginx"; then
    result=ok
    echo "nginx-run: reloaded ($1)"
  else
    result=failed
    echo "nginx-run: reload refused ($1): $(tr '\n' ' ' < "$run/test.log")" >&2
  fi
  serial=""
  [ -r "$request" ] && read -r serial < "$request"
  printf '%s %s\n' "$serial" "$result" > "$run/reloaded.new"
  mv "$run/reloaded.new" "$run/reloaded"
}

# `docker stop` (TERM) and `docker kill -s HUP` keep their meaning for nginx.
trap 'kill -TERM "$nginx" 2>/dev/null' TERM INT
trap 'kill -QUIT "$nginx" 2>/dev/null' QUIT
trap 'reload signal' HUP

# The looking, beside nginx: this shell itself waits on nginx alone, so an
# nginx that cannot start (its port taken) ends the container at once, and
# Docker's restart count shows the crash loop.
(
  trap - TERM INT QUIT HUP
  open_nap
  while kill -0 "$nginx" 2>/dev/null; do
    : > "$run/alive"
    seen
    if [ "$now" != "$last" ]; then
      last=$now
      reload "request"
    fi
    nap "$poll"
  done
) &
looker=$!

while :; do
  wait "$nginx"
  rc=$?
  # A trapped signal ends the wait early: wait again while nginx runs.
  kill -0 "$nginx" 2>/dev/null || break
done
kill "$looker" 2>/dev/null
exit "$rc"
