#!/bin/sh
# Fetch the lab TAL, validate, serve. The refresh interval is lab-short so a
# ROA change reaches routers within a minute; real deployments use ~10 min.
set -eu
: "${TAL_URL:?TAL_URL must name the lab TA's TAL}"
: "${REFRESH_SECONDS:=15}"
# The lab CA signs the repository's HTTPS certificate.
if [ -f /etc/personal-as/lab-ca.crt ]; then
  cp /etc/personal-as/lab-ca.crt /usr/local/share/ca-certificates/personal-as-lab.crt
  update-ca-certificates >/dev/null 2>&1
fi
# The output directory is shared with the host so the VRPs can be inspected
# there; a fresh volume belongs to root.
chown _rpki-client /var/lib/rpki-client /var/cache/rpki-client
until curl -fsS --max-time 10 -o /etc/personal-as/lab.tal "$TAL_URL"; do
  echo "waiting for the TAL at $TAL_URL" >&2; sleep 3
done
# Its metrics on every address: the user's Prometheus on home scrapes them
# across the lab, as an operator watches the validator its routers rely on.
stayrtr -bind "[::]:8282" -metrics.addr "[::]:9847" -cache /var/lib/rpki-client/json \
  -refresh "$REFRESH_SECONDS" -checktime=false -rtr.refresh 30 -rtr.retry 10 -rtr.expire 600 &
while true; do
  rpki-client -j -t /etc/personal-as/lab.tal -d /var/cache/rpki-client /var/lib/rpki-client \
    || echo "rpki-client failed; retrying" >&2
  sleep "$REFRESH_SECONDS"
done
