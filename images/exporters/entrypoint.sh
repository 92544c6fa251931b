#!/bin/sh
# exporter-entrypoint node|bird [flags...]: one exporter, never as root.
set -eu
what=$1
shift
case $what in
  node)
    # node_exporter reads /proc and statfs; nobody needs no more.
    exec setpriv --reuid nobody --regid nogroup --clear-groups prometheus-node-exporter "$@" ;;
  bird)
    # BIRD's control socket is 0660 and a connect needs write access: run as
    # the uid that owns /run/bird on this host (a Debian host's bird2 package
    # picks whatever uid is free), as BIRD itself does.
    owner=$(stat -c %u:%g /run/bird)
    exec setpriv --reuid "${owner%%:*}" --regid "${owner#*:}" --clear-groups prometheus-bird-exporter "$@" ;;
  *)
    echo "exporter-entrypoint: say node or bird, not $what" >&2
    exit 2 ;;
esac
