#!/bin/sh
# Waits for PostgreSQL and Redis (on the host's loopback), brings the schema
# to IRRd's version (idempotent), then runs IRRd in the foreground: its log
# goes to the container's. A pid file left by a killed IRRd is removed.
set -eu
conf=/etc/irrd/irrd.yaml
until /opt/irrd/bin/python -c "import psycopg2; psycopg2.connect('dbname=irrd user=irrd host=127.0.0.1').close()" \
      2>/dev/null; do
  echo "irrd-entrypoint: waiting for PostgreSQL" >&2; sleep 1
done
until /opt/irrd/bin/python -c "import redis; redis.Redis(host='127.0.0.1').ping()" 2>/dev/null; do
  echo "irrd-entrypoint: waiting for Redis" >&2; sleep 1
done
mkdir -p /run/irrd && chown irrd:irrd /run/irrd && rm -f /run/irrd/irrd.pid
# IRRd will not run without an SMTP server to name, and answers a submission
# with HTTP 500 if a notification it is due cannot be sent. The lab sends no
# mail: a sink on loopback prints what would have gone out to this log.
python3 -W ignore -m smtpd -n -c DebuggingServer 127.0.0.1:2525 &
irrd_database_upgrade --config "$conf"
# IRRd's whois workers answer set and origin queries (bgpq4's) from their
# own copy of the preload store, which they load when the store manager
# announces a finished build on Redis; until then such a query waits. On a
# registry this small the first build finishes before the workers have
# subscribed, and a worker that missed it waits until the registry next
# changes: seen in CI, bgpq4 timing out for minutes after a restart. Once
# whois answers, ask for the build again, twice: the workers listen by then.
(
  until python3 -c "import socket; s = socket.create_connection(('127.0.0.1', 43), 3); s.sendall(b'!v\n'); \
assert b'IRRd' in s.recv(200)" 2>/dev/null; do sleep 1; done
  for pause in 5 25; do
    sleep "$pause"
    /opt/irrd/bin/python -c "import redis; redis.Redis(host='127.0.0.1').publish('irrd-preload-reload-channel', \
'unknown-classes-changed-preload-all')" \
      && echo "irrd-entrypoint: asked for a preload build again, whois answering (its workers may have missed the first)" >&2
  done
) &
exec irrd --config "$conf" --foreground
