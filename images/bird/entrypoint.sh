#!/bin/sh
# Starts BIRD in the foreground, in recovery mode (-R) after an unclean exit.
#
# Why: BIRD 2 tells its BGP neighbors that forwarding state was preserved
# across a restart only when it runs with -R. Without that flag a crashed or
# killed BIRD comes back as a new speaker and every neighbor flushes our
# routes, which is the outage graceful restart exists to avoid. A clean stop
# (SIGTERM from `docker stop`) removes the pid file, so a pid file found here
# means the last BIRD died; the routes it put in the kernel are still there
# only if the kernel has not rebooted since, hence the boot id.
set -eu
run="${BIRD_RUN_DIR:-/run/bird}"  # settable for the unit test only
pidfile="$run/bird.pid"
bootfile="$run/boot_id"
boot=$(cat /proc/sys/kernel/random/boot_id)
recover=""
if [ -e "$pidfile" ] && [ "$(cat "$bootfile" 2>/dev/null || true)" = "$boot" ]; then
  recover="-R"
  echo "entrypoint: $pidfile left by an unclean exit on this boot: starting in recovery mode (-R)" >&2
fi
echo "$boot" > "$bootfile"
# -f: foreground for the container; -u/-g: drop root, keep the network caps.
# BIRD_FLAGS: extra flags for debugging (never secrets: env shows in inspect).
# shellcheck disable=SC2086
exec bird -f -u bird -g bird -c /etc/bird/bird.conf -s "$run/bird.ctl" -P "$pidfile" $recover ${BIRD_FLAGS:-}
