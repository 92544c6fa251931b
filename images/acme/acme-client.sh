#!/bin/sh
# The ACME client loop: obtain route0's certificate, then check every
# CHECK_SECONDS and renew when fewer than RENEW_DAYS days are left. Nothing
# here needs a `pulumi up`: a renewed certificate is installed for nginx and
# nginx is told to reload (it shares this container's PID namespace).
#
# Its config is /etc/personal-as/acme/acme.conf, rendered by the stack (no
# secrets in it). The account key is a file the stack wrote under DATA; lego
# registers it at the CA when the CA does not know it yet (a first run, or a
# CA that forgot its accounts: pebble does at every restart).
set -u
conf=${ACME_CONF:-/etc/personal-as/acme/acme.conf}
. "$conf"
DATA=${ACME_DATA:-/var/lib/personal-as/acme}  # settable for the unit test only
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
  # half-written file, and reloads only once both are in place.
  src="$DATA/certificates/$DOMAIN"
  if cmp -s "$src.crt" "$CERT_FILE" && cmp -s "$src.key" "$KEY_FILE"; then
    return 1
  fi
  install -m 0600 "$src.key" "$KEY_FILE.new" && mv "$KEY_FILE.new" "$KEY_FILE"
  install -m 0644 "$src.crt" "$CERT_FILE.new" && mv "$CERT_FILE.new" "$CERT_FILE"
  return 0
}

reload_nginx() {
  pid=$(cat "$NGINX_PID" 2>/dev/null || true)
  if [ -n "$pid" ] && kill -HUP "$pid" 2>/dev/null; then
    echo "acme-client: nginx (pid $pid) reloaded"
  else
    echo "acme-client: nginx is not running; it reads the new certificate when it starts"
  fi
}

# Sleep so that a USR1 (the stack's `up`, waiting for a first certificate)
# ends the nap and the client tries at once, without restarting anything.
trap 'echo "acme-client: asked to try now"' USR1
nap() {
  sleep "$1" &
  wait $! || kill $! 2>/dev/null
}

mkdir -p "$DATA" "$WEBROOT"
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
