#!/bin/sh
# First start: a cluster, the irrd role and database (trust on loopback:
# only the irr host's own processes reach it), pgcrypto. Then PostgreSQL in
# the foreground with IRRd's recommended settings.
set -eu
data=/var/lib/postgresql/17/irrd
bin=/usr/lib/postgresql/17/bin
mkdir -p "$data" /run/postgresql && chown -R postgres:postgres /var/lib/postgresql /run/postgresql
if [ ! -s "$data/PG_VERSION" ]; then
  setpriv --reuid=postgres --regid=postgres --init-groups "$bin/initdb" -D "$data" -A trust -U postgres >/dev/null
  setpriv --reuid=postgres --regid=postgres --init-groups "$bin/pg_ctl" -D "$data" -o "-c listen_addresses=" -w start
  setpriv --reuid=postgres --regid=postgres --init-groups psql -q -v ON_ERROR_STOP=1 -U postgres <<'SQL'
CREATE ROLE irrd LOGIN;
CREATE DATABASE irrd OWNER irrd;
\c irrd
CREATE EXTENSION IF NOT EXISTS pgcrypto;
SQL
  setpriv --reuid=postgres --regid=postgres --init-groups "$bin/pg_ctl" -D "$data" -w stop
fi
# A container killed (replaced, or a power cut) leaves postmaster.pid. The
# host's PID namespace is shared with its other daemons, so the pid in it
# may well be alive: stale unless it is a postgres process.
pid=$(head -n1 "$data/postmaster.pid" 2>/dev/null || true)
if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != postgres ]; then
  echo "postgres-entrypoint: removing a stale postmaster.pid (pid $pid is not PostgreSQL)" >&2
  rm -f "$data/postmaster.pid"
fi
exec setpriv --reuid=postgres --regid=postgres --init-groups "$bin/postgres" -D "$data" \
  -c listen_addresses=127.0.0.1 -c random_page_cost=1.0 -c work_mem=50MB -c shared_buffers=64MB
