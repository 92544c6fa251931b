#!/usr/bin/env bash
# A team's Pulumi backend: Debian's PostgreSQL on a machine you choose,
# set up over SSH (as root, or a sudo user), with a role and a database for
# personal-as's states, TLS with a certificate made for that machine, and
# password logins over TLS only (scram-sha-256).
#
#   scripts/state-backend.sh [-p SSH_PORT] [-i KEY_FILE] [-o SSH_OPTION]... \
#       [--port PG_PORT] [--listen ADDRESS] [--allow CIDR] USER@HOST
#
# HOST is how Pulumi will reach the database too: the certificate is made
# for it (its name, or its address). --listen is where PostgreSQL listens
# on the machine (default: HOST), --allow who may log in (default: HOST's
# /32 or /128 and loopback; give your team's prefix). Re-running it is safe:
# it keeps the cluster, the data and the password.
#
# It writes, on this machine, under ~/.config/personal-as/state-db/ (0600):
#   HOST.crt   the server's certificate, which clients verify it against;
#   HOST.env   `export PULUMI_BACKEND_URL=postgres://...`, the password in it.
# `source` HOST.env before pulumi; give both files to your team, never
# commit them. Pulumi then keeps every stack's state there and locks a
# stack while an update runs (docs/operations.md, "A team's backend").
set -euo pipefail
ssh_port=22 key_file="" pg_port=5432 listen="" allow="" dest="" ssh_opts=()
while [ $# -gt 0 ]; do
  case "$1" in
    -p) ssh_port=$2; shift 2 ;;
    -i) key_file=$2; shift 2 ;;
    -o) ssh_opts+=(-o "$2"); shift 2 ;;
    --port) pg_port=$2; shift 2 ;;
    --listen) listen=$2; shift 2 ;;
    --allow) allow=$2; shift 2 ;;
    -*) echo "state-backend: unknown option $1" >&2; exit 2 ;;
    *) dest=$1; shift ;;
  esac
done
[ -n "$dest" ] || { echo "usage: scripts/state-backend.sh [-p SSH_PORT] [-i KEY] [--port PG_PORT] [--listen ADDR] [--allow CIDR] USER@HOST" >&2; exit 2; }
host=${dest#*@}
user=${dest%@*}
[ "$user" != "$dest" ] || user=root
# Each value goes into a root script on the machine and into a URL: only
# what a host name, an address, a port or a prefix is made of.
for v in "$host" "$listen" "$allow"; do
  [[ "$v" =~ ^[A-Za-z0-9.:/_-]*$ ]] || { echo "state-backend: '$v' is not a host, an address or a prefix" >&2; exit 2; }
done
[[ "$pg_port" =~ ^[0-9]+$ && "$ssh_port" =~ ^[0-9]+$ ]] || { echo "state-backend: ports are numbers" >&2; exit 2; }
listen=${listen:-$host}
if [ -z "$allow" ]; then
  case "$host" in *:*) allow="$host/128" ;; [0-9]*.[0-9]*) allow="$host/32" ;; *) allow="" ;; esac
fi

dir="$HOME/.config/personal-as/state-db"
mkdir -p "$dir"
chmod 700 "$dir"
pwfile="$dir/$host.password"
[ -s "$pwfile" ] || (umask 077 && openssl rand -hex 24 >"$pwfile")

ssh_args=(-p "$ssh_port" -o BatchMode=yes "${ssh_opts[@]}")
[ -z "$key_file" ] || ssh_args+=(-i "$key_file")
as_root=()
[ "$user" = root ] || as_root=(sudo -n)

# The remote part: the password on stdin, never on a command line.
remote=$(cat <<'REMOTE'
set -eu
host=$1 listen=$2 pg_port=$3 allow=$4
read -r password
export DEBIAN_FRONTEND=noninteractive
if ! command -v pg_lsclusters >/dev/null 2>&1; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends postgresql openssl >/dev/null
fi
version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main"' | grep -q . || pg_createcluster "$version" main >/dev/null
etc=/etc/postgresql/$version/main
# A certificate for the name or address clients use, made once.
tls=$etc/personal-as
mkdir -p "$tls"
if [ ! -s "$tls/server.crt" ]; then
  case "$host" in *:*|[0-9]*.[0-9]*.[0-9]*.[0-9]*) san="IP:$host" ;; *) san="DNS:$host" ;; esac
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 -subj "/CN=$host" \
    -addext "subjectAltName=$san" -addext "basicConstraints=critical,CA:TRUE" \
    -keyout "$tls/server.key" -out "$tls/server.crt" 2>/dev/null
fi
chown -R postgres:postgres "$tls"
chmod 0600 "$tls/server.key"
mkdir -p "$etc/conf.d"
cat >"$etc/conf.d/personal-as.conf" <<CONF
# personal-as: the Pulumi state backend (scripts/state-backend.sh).
listen_addresses = 'localhost,$listen'
port = $pg_port
ssl = on
ssl_cert_file = '$tls/server.crt'
ssl_key_file = '$tls/server.key'
ssl_min_protocol_version = 'TLSv1.2'
password_encryption = 'scram-sha-256'
CONF
grep -q "^include_dir = 'conf.d'" "$etc/postgresql.conf" || echo "include_dir = 'conf.d'" >>"$etc/postgresql.conf"
# Over TLS only, by password, to this one database, from --allow and loopback.
hba=$etc/pg_hba.conf
sed -i '/# personal-as begin/,/# personal-as end/d' "$hba"
{
  echo "# personal-as begin"
  # (Debian's own lines below would take a plain login from loopback.)
  echo "hostnossl personal_as all 0.0.0.0/0 reject"
  echo "hostnossl personal_as all ::/0 reject"
  echo "hostssl personal_as personal_as 127.0.0.1/32 scram-sha-256"
  echo "hostssl personal_as personal_as ::1/128 scram-sha-256"
  [ -z "$allow" ] || echo "hostssl personal_as personal_as $allow scram-sha-256"
  echo "# personal-as end"
  cat "$hba"
} >"$hba.new"
mv "$hba.new" "$hba"
chown postgres:postgres "$hba"
if [ -d /run/systemd/system ]; then
  systemctl enable --now "postgresql@$version-main" >/dev/null 2>&1 || true
  systemctl restart "postgresql@$version-main"
else
  pg_ctlcluster "$version" main restart 2>/dev/null || pg_ctlcluster "$version" main start
fi
psql_() { su postgres -s /bin/sh -c "psql -p $pg_port -qAtX -v ON_ERROR_STOP=1 $*"; }
for _ in $(seq 1 30); do psql_ "-c 'select 1'" >/dev/null 2>&1 && break; sleep 1; done
# The password (hex, made on the operator's machine) into psql through a
# root-made file only postgres can read, never a command line.
case "$password" in *[!0-9a-f]*|"") echo "state-backend: the password must be hex" >&2; exit 1 ;; esac
sql=$(mktemp)
chown postgres "$sql"
chmod 0600 "$sql"
cat >"$sql" <<SQL
\set pw '$password'
SELECT 'CREATE ROLE personal_as LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'personal_as')\gexec
ALTER ROLE personal_as LOGIN PASSWORD :'pw';
SELECT 'CREATE DATABASE personal_as OWNER personal_as' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'personal_as')\gexec
SQL
psql_ "-f $sql" >/dev/null
rm -f "$sql"
cat "$tls/server.crt"
REMOTE
)
echo "state-backend: setting up PostgreSQL on $dest (ssh port $ssh_port)" >&2
# The script as bash -c's argument (quoted for the remote shell), the
# password on its stdin.
cert=$(printf '%s\n' "$(cat "$pwfile")" | ssh "${ssh_args[@]}" "$dest" "${as_root[@]}" bash -c \
       "$(printf '%q' "$remote")" state-backend "$host" "$listen" "$pg_port" "$allow")
(umask 077 && printf '%s\n' "$cert" >"$dir/$host.crt")
url_host=$host
case "$host" in *:*) url_host="[$host]" ;; esac
(umask 077 && printf "export PULUMI_BACKEND_URL='postgres://personal_as:%s@%s:%s/personal_as?sslmode=verify-full&sslrootcert=%s'\n" \
   "$(cat "$pwfile")" "$url_host" "$pg_port" "$dir/$host.crt" >"$dir/$host.env")
echo "state-backend: ready. For pulumi: source $dir/$host.env" >&2
