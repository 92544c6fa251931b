#!/bin/sh
# metrics-daemon prometheus|alertmanager [flags...]: one daemon, as the
# image's prometheus user, with its data directory made its own (a fresh
# host directory belongs to root). Alertmanager's config holds the webhook
# URL, a secret kept 0600 root on the host: the daemon gets a private copy
# in this container's memory (/dev/shm), never on the host or in the image.
set -eu
what=$1
shift
conf=/etc/personal-as/metrics
case $what in
  prometheus)
    data=/var/lib/personal-as/prometheus; bin=/usr/bin/prometheus ;;
  alertmanager)
    data=/var/lib/personal-as/alertmanager; bin=/usr/bin/prometheus-alertmanager
    install -o prometheus -g prometheus -m 0600 "$conf/alertmanager.yml" /dev/shm/alertmanager.yml ;;
  *)
    echo "metrics-daemon: say prometheus or alertmanager, not $what" >&2
    exit 2 ;;
esac
mkdir -p "$data"
chown -R prometheus:prometheus "$data"
exec setpriv --reuid prometheus --regid prometheus --init-groups "$bin" "$@"
