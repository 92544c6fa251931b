#!/bin/sh
# Starts Krill as the uid that owns its data on the host, never as root.
#
# On a real host the stack creates a system user `krill` with whatever uid is
# free there, and makes /var/lib/krill and krill.conf (0600) that user's. The
# image's own krill is uid 181: follow the owner of the data directory by
# number (setpriv needs no passwd entry, so the image's files stay as built
# and its root file system read-only), then drop root for good.
set -eu
data=/var/lib/krill
owner=$(stat -c %u:%g "$data")
if [ "${owner%%:*}" = 0 ]; then
  owner="$(id -u krill):$(id -g krill)"
fi
echo "entrypoint: krill runs as $owner, the owner of $data on this host" >&2
exec setpriv --reuid="${owner%%:*}" --regid="${owner#*:}" --clear-groups krill --config /etc/krill/krill.conf "$@"
