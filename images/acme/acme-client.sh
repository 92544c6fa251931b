#!/bin/bash
# The ACME client loop: obtain route0's certificate, then check every
# CHECK_SECONDS and renew when fewer than RENEW_DAYS days are left. Nothing
# here needs a `pulumi up`: a renewed certificate is installed for nginx and
# nginx is asked to reload by a request file its own loop acts on.
#
# Its config is /etc/personal-as/acme/acme.conf, rendered by the stack (no
# secrets in it). The account key is a file the stack wrote under DATA; lego
# registers it at the CA when the CA does not know it yet (a first run, or a
# CA that forgot its accounts: pebble does at every restart).
#
# Started as root (with only the capabilities to hand files over), it makes
# its directories the account key's owner's, the host's acme user, and runs
# as that user from then on.
set -u
conf=${ACME_CONF:-/etc/personal-as/acme/acme.conf}
. "$conf"
DATA=${ACME_DATA:-/var/lib/personal-as/acme}  # settable for the unit test only
account_key="$DATA/accounts/$ACCOUNT_DIR/$EMAIL/keys/$EMAIL.key"
if [ "$(id -u)" = 0 ] && [ -z "${ACME_STAY:-}" ]; then  # ACME_STAY: the unit test only
  owner=$(stat -c %u:%g "$account_key") || exit 1
  if [ "${owner%%:*}" = 0 ]; then
    echo "acme-client: $account_key belongs to root; the stack makes it the acme user's" >&2
    exit 1
  fi
  mkdir -p "$DATA" "$WEBROOT" "$RUN"
  chown -R "$owner" "$DATA" "$WEBROOT"
  # Its request directory, and where it puts the certificate and key (nginx
  # makes each key root's again before it reads it).
  chown "$owner" "$RUN" "$(dirname "$CERT_FILE")" "$(dirname "$KEY_FILE")"
  # Requests made before this start are answered by the start itself.
  rm -f "$RUN/wake" "$RUN/restart"
  exec setpriv --reuid "${owner%%:*}" --regid "${owner#*:}" --clear-groups "$0" "$@"
fi
if [ -n "${DIRECTORY_CA:-}" ]; then
  # A private CA's directory (the lab's pebble): trust its HTTPS certificate.
  export LEGO_CA_CERTIFICATES="$DIRECTORY_CA"
fi
account_dir="$DATA/accounts/$ACCOUNT_DIR/$EMAIL"

status() {
  # One line an operator (and the stack's wait) can read: ok|error, when, what.
  printf '%s %s %s\n' "$1" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$2" > "$DATA/status.new"
  mv "$DATA/status.new" "$DATA/status"
  echo "acme-client: $1: $2"
}

# lego's output goes to the container's log (Docker rotates it); the last
# run's is kept in $last for the status line, never in a file of its own.
last=""
lego_() {
  last=$(lego --server "$DIRECTORY" --email "$EMAIL" --accept-tos --domains "$DOMAIN" \
    --http --http.webroot "$WEBROOT" --path "$DATA" "$@" 2>&1)
  rc=$?
  printf '%s\n' "$last"
  return $rc
}

forgot() {
  # The CA forgot this account (pebble does at every restart): register
  # the same key again, with the next `lego run`.
  if printf '%s\n' "$last" | grep -q 'accountDoesNotExist'; then
    echo "acme-client: the CA does not know this account; registering again"
    rm -f "$account_dir/account.json"
    return 0
  fi
  return 1
}

obtain_or_renew() {
  if [ -s "$DATA/certificates/$DOMAIN.crt" ] && [ -s "$account_dir/account.json" ]; then
    # lego's own random sleep spreads renewals across a real CA's clients; a
    # check every few seconds (the lab) would only wait for it.
    sleep_flag=""
    [ "$CHECK_SECONDS" -lt 3600 ] && sleep_flag="--no-random-sleep"
    lego_ renew --days "$RENEW_DAYS" $sleep_flag && return 0
    forgot || return 1
  fi
  lego_ run && return 0
  forgot || return 1
  lego_ run
}

install_certificate() {
  # Key first, then the certificate, each by rename: nginx never reads a
  # half-written file, and reloads only once both are in place. A new key
  # always comes with a new certificate, and the key nginx holds is root's
  # (unreadable here): the certificate says whether anything changed.
  src="$DATA/certificates/$DOMAIN"
  if cmp -s "$src.crt" "$CERT_FILE"; then
    return 1
  fi
  install -m 0600 "$src.key" "$KEY_FILE.new" && mv "$KEY_FILE.new" "$KEY_FILE"
  install -m 0644 "$src.crt" "$CERT_FILE.new" && mv "$CERT_FILE.new" "$CERT_FILE"
  return 0
}

reload_nginx() {
  # A new serial in the request file: nginx's loop (another container, root
  # there) reloads within 2 s, or reads the new files when it next starts.
  date +%s.%N > "$RUN/reload-nginx.new" && mv "$RUN/reload-nginx.new" "$RUN/reload-nginx"
  echo "acme-client: asked nginx to reload"
}

# Sleep $1 s, looking every 2 s for what the stack's `up` may ask: `wake`
# (try now: it waits for a first certificate) or `restart` (a new config:
# this loop ends and Docker starts it again).
nap() {
  left=$1
  echo "acme-client: next look in $left s"
  while [ "$left" -gt 0 ]; do
    if [ -e "$RUN/restart" ]; then
      rm -f "$RUN/restart"
      echo "acme-client: asked to start again with a new config"
      exit 0
    fi
    if [ -e "$RUN/wake" ]; then
      rm -f "$RUN/wake"
      echo "acme-client: asked to try now"
      return 0
    fi
    step=2
    [ "$left" -lt 2 ] && step=$left
    pause "$step"
    left=$((left - step))
  done
}

mkdir -p "$DATA" "$WEBROOT"
if [ -n "${ACME_PAUSE:-}" ]; then  # the unit test only: its stand-in ends a pass
  pause() { "$ACME_PAUSE" "$1"; }
else
  # A pause with no process of its own: bash's `read -t` on a FIFO nothing
  # writes. A `sleep` every 2 s was a fork and an exec each time, about
  # 60 ms of an emulated vCPU (vmlab's vps, 2026-12-06).
  nap_fifo="$RUN/.nap.$$"
  { rm -f "$nap_fifo" && mkfifo -m 600 "$nap_fifo" && exec 9<>"$nap_fifo" && rm -f "$nap_fifo"; } || exit 1
  pause() { read -r -t "$1" -u 9 _ || :; }
fi
retry=60
cap=900
[ "$CHECK_SECONDS" -lt "$cap" ] && cap=$CHECK_SECONDS
while true; do
  if obtain_or_renew; then
    if install_certificate; then
      reload_nginx
      status ok "installed a new certificate for $DOMAIN"
    else
      status ok "$DOMAIN is current"
    fi
  else
    status error "$DOMAIN: $(printf '%s\n' "$last" | grep -v '^\s*$' | tail -n 1)"
    # Retry sooner than the next check (a route still propagating, a name
    # just pointed here), backing off from 60 s to 15 min: Let's Encrypt
    # allows 5 failed validations per name and account an hour.
    pause=$retry
    [ "$pause" -gt "$cap" ] && pause=$cap
    retry=$((retry * 2))
    nap "$pause"
    continue
  fi
  retry=60
  nap "$CHECK_SECONDS"
done
