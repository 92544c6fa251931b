#!/usr/bin/env bash
# The Pulumi state of one stack, kept somewhere else and brought back:
#   scripts/state.sh backup  STACK FILE   (make state-backup STACK=prod FILE=...)
#   scripts/state.sh restore STACK FILE   (make state-restore STACK=prod FILE=...)
#
# A backup is `pulumi stack export` (its secrets still encrypted by the
# stack's passphrase) and the stack's config file (stacks/Pulumi.STACK.yaml:
# its own secrets, and the salt the passphrase needs), in one tar, encrypted
# with gpg (AES-256) under that same passphrase: one thing to remember, and
# the file reveals nothing (host addresses, the stack's shape) to whoever
# holds it. The passphrase comes as Pulumi takes it: PULUMI_CONFIG_PASSPHRASE
# or PULUMI_CONFIG_PASSPHRASE_FILE.
#
# A restore goes only into a backend that does not have the stack: it never
# overwrites a state. The backend is the one Pulumi is pointed at
# (PULUMI_BACKEND_URL; scripts/env.sh's default is the project's own
# .pulumi-state; docs/operations.md, "The Pulumi state").
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck disable=SC1091
source scripts/env.sh
log() { printf 'state: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

usage() { die "usage: scripts/state.sh backup|restore STACK FILE"; }
[ $# -eq 3 ] || usage
verb=$1 stack=$2 file=$3
[[ "$stack" =~ ^[A-Za-z0-9_.-]+$ ]] || die "STACK=$stack: a stack name has only letters, digits, '-', '_' and '.'"
config="stacks/Pulumi.$stack.yaml"

# The passphrase, as a file gpg reads (never on a command line, where `ps`
# would show it).
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 700 "$work"
if [ -n "${PULUMI_CONFIG_PASSPHRASE:-}" ]; then
  printf '%s' "$PULUMI_CONFIG_PASSPHRASE" >"$work/passphrase"
elif [ -n "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ] && [ -r "$PULUMI_CONFIG_PASSPHRASE_FILE" ]; then
  # Pulumi takes the file's first line, as gpg does.
  head -n 1 "$PULUMI_CONFIG_PASSPHRASE_FILE" | tr -d '\n' >"$work/passphrase"
else
  die "no passphrase: export PULUMI_CONFIG_PASSPHRASE_FILE (or PULUMI_CONFIG_PASSPHRASE), the stack's own"
fi
case "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" in
  */stacks/lab.passphrase)
    [ -n "${PULUMI_CONFIG_PASSPHRASE:-}" ] || [[ "$stack" == lab* ]] || [ "$stack" = vmlab ] ||
      log "warning: the passphrase is the lab's committed one (stacks/lab.passphrase), not stack $stack's own" ;;
esac
gpg_() { gpg --batch --quiet --no-tty --homedir "$work/gnupg" --pinentry-mode loopback --passphrase-file "$work/passphrase" "$@"; }
mkdir -m 700 "$work/gnupg"

has_stack() { pulumi stack ls --json 2>/dev/null | python3 -c 'import json,sys; sys.exit(0 if any(s["name"].split("/")[-1] == sys.argv[1] for s in json.load(sys.stdin)) else 1)' "$1"; }

case "$verb" in
backup)
  has_stack "$stack" || die "stack $stack is not in the backend ($PULUMI_BACKEND_URL): nothing to back up"
  [ -f "$config" ] || die "$config is missing: a backup needs the stack's config file too (its salt opens the secrets)"
  # The passphrase must open the stack's secrets: a backup under a wrong one
  # could never be restored.
  pulumi config --stack "$stack" --show-secrets --json >/dev/null 2>"$work/err" ||
    die "the passphrase does not open stack $stack's secrets ($(tail -n 1 "$work/err")): no backup written"
  mkdir "$work/b"
  pulumi stack export --stack "$stack" --file "$work/b/state.json"
  cp "$config" "$work/b/Pulumi.$stack.yaml"
  printf 'stack=%s\nbackend=%s\nwritten=%s\n' "$stack" "$PULUMI_BACKEND_URL" "$(date -u +%FT%TZ)" >"$work/b/about"
  tar -C "$work/b" -cf "$work/backup.tar" about state.json "Pulumi.$stack.yaml"
  mkdir -p "$(dirname "$file")"
  (umask 077; gpg_ --symmetric --cipher-algo AES256 --s2k-digest-algo SHA512 --s2k-count 65011712 \
     --output "$file.tmp" "$work/backup.tar")
  mv -f "$file.tmp" "$file"
  log "stack $stack's state backed up to $file ($(stat -c %s "$file") bytes, encrypted under the stack's passphrase)"
  ;;
restore)
  [ -r "$file" ] || die "FILE=$file: no such file"
  gpg_ --decrypt --output "$work/backup.tar" "$file" 2>"$work/err" ||
    die "FILE=$file could not be decrypted with this passphrase ($(tail -n 1 "$work/err")): is it the stack's own?"
  mkdir "$work/b"
  tar -C "$work/b" -xf "$work/backup.tar"
  grep -qx "stack=$stack" "$work/b/about" ||
    die "FILE=$file holds stack $(sed -n 's/^stack=//p' "$work/b/about"), not $stack"
  if has_stack "$stack"; then
    die "the backend ($PULUMI_BACKEND_URL) already has stack $stack: a restore never overwrites a state." \
        "Restore into an empty backend (PULUMI_BACKEND_URL), or remove this one first if it is really lost"
  fi
  if [ -f "$config" ] && ! cmp -s "$config" "$work/b/Pulumi.$stack.yaml"; then
    die "$config exists and differs from the backup's: move it away first (the backup's salt is the one its secrets need)"
  fi
  cp "$work/b/Pulumi.$stack.yaml" "$config"
  # init finds the config file's salt and checks the passphrase against it.
  pulumi stack init "$stack" --non-interactive >/dev/null
  pulumi stack import --stack "$stack" --file "$work/b/state.json" >/dev/null
  log "stack $stack restored from $file ($(sed -n 's/^written=//p' "$work/b/about")); check it: pulumi preview --stack $stack"
  ;;
*) usage ;;
esac
