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
# Run as the uid the host gave its bird user (a Debian host's bird2 package
# picks whatever uid is free): the stack makes the run directory that user's,
# so follow its owner rather than the image's fixed uid 180.
owner=$(stat -c %u:%g "$run")
if [ "${owner%%:*}" != 0 ] && [ "$owner" != "$(id -u bird 2>/dev/null):$(id -g bird 2>/dev/null)" ]; then
  groupmod -o -g "${owner#*:}" bird
  usermod -o -u "${owner%%:*}" -g "${owner#*:}" bird
  echo "entrypoint: bird runs as $owner, the owner of $run on this host" >&2
fi
# -f: foreground for the container; -u/-g: drop root, keep the network caps.
# BIRD_FLAGS: extra flags for debugging (never secrets: env shows in inspect).
# shellcheck disable=SC2086
exec bird -f -u bird -g bird -c /etc/bird/bird.conf -s "$run/bird.ctl" -P "$pidfile" $recover ${BIRD_FLAGS:-}
