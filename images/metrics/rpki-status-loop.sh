#!/bin/sh
# rpki-status-loop INTERVAL OUT: validate the RPKI with rpki-client, then
# write the states of the prefixes in OWN_PREFIXES_FILE ("<prefix>=<origin>"
# lines) for node_exporter's textfile collector (rpki-status). TALs: with TAL_URL, only
# the one fetched there (a lab's own TA: a lab never asks the real RIRs);
# else the ones Debian's rpki-trust-anchors installs in /etc/tals. Then the
# certificates' expiry (cert-status; its environment says where to look).
set -eu
: "${OWN_PREFIXES_FILE:?OWN_PREFIXES_FILE must name a file of <prefix>=<origin> lines}"
interval=$1 out=$2
conf=/etc/personal-as/metrics
cache=/var/cache/personal-as/rpki-client
outdir=/var/lib/personal-as/rpki-client
mkdir -p "$cache" "$outdir" "$(dirname "$out")"
chown _rpki-client "$cache" "$outdir"
# A lab CA signs the lab repository's HTTPS certificate.
if [ -f "$conf/lab-ca.crt" ]; then
  cp "$conf/lab-ca.crt" /usr/local/share/ca-certificates/personal-as-lab.crt
  update-ca-certificates >/dev/null 2>&1
fi
if [ -n "${TAL_URL:-}" ]; then
  mkdir -p /run/tals
  until curl -fsS --max-time 10 -o /run/tals/lab.tal "$TAL_URL"; do
    echo "rpki-status: waiting for the TAL at $TAL_URL" >&2; sleep 3
  done
  tals=/run/tals
else
  tals=/etc/tals
fi
while :; do
  set --
  for t in "$tals"/*.tal; do set -- "$@" -t "$t"; done
  if rpki-client -j "$@" -d "$cache" "$outdir" >/dev/null; then
    # Read at each run: the stack rewrites it when the prefixes change.
    # shellcheck disable=SC2046
    rpki-status "$outdir/json" "$out" $(cat "$OWN_PREFIXES_FILE") || echo "rpki-status: could not write $out" >&2
  else
    echo "rpki-status: rpki-client failed; the last states stay" >&2
  fi
  # The CA's, the ROAs' and the TLS certificates' expiry (cert-status).
  cert-status "$(dirname "$out")/certs.prom" || echo "rpki-status: could not write the certificates' expiry" >&2
  sleep "$interval"
done
