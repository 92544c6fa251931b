#!/bin/sh
# Starts Krill as the krill user, with the uid the host gave that user.
#
# On a real host the stack creates a system user `krill` with whatever uid is
# free there, and makes /var/lib/krill and krill.conf (0600) that user's. The
# image's own krill is uid 181, so follow the owner of the data directory,
# then drop root for good.
set -eu
data=/var/lib/krill
owner=$(stat -c %u:%g "$data")
if [ "${owner%%:*}" != 0 ] && [ "$owner" != "$(id -u krill):$(id -g krill)" ]; then
  groupmod -o -g "${owner#*:}" krill
  usermod -o -u "${owner%%:*}" -g "${owner#*:}" krill
  echo "entrypoint: krill runs as $owner, the owner of $data on this host" >&2
fi
exec setpriv --reuid=krill --regid=krill --init-groups krill --config /etc/krill/krill.conf "$@"
