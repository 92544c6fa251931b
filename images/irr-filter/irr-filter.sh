#!/bin/sh
# A transit's filter job: every IRR_REFRESH seconds, bgpq4 asks the
# registry for the customer's route objects and writes each prefix list to
# the file transit's bird.conf includes; when a list changed, the whole
# config is checked with `bird -p` and BIRD reconfigured. A registry that
# cannot be reached leaves the last lists in place, as a real transit's job
# does: a registry outage must not drop a customer.
#
# Environment: IRR_HOST, IRR_SOURCE, IRR_REFRESH (seconds), IRR_LISTS
# ("<afi>[/<longest>]:<set name>:<AS or as-set> ..."), BIRD_CONF, BIRD_SOCKET; IRR_DIR
# (default /etc/bird/irr) for the lists and the status line.
set -u
dir=${IRR_DIR:-/etc/bird/irr}
status=$dir/status
mkdir -p "$dir"

# bgpq4 -b prints "NAME = [" , one prefix per line, "];" and nothing at all
# when the registry has no route object: an empty list accepts nothing.
list_file() {  # name, what, bgpq4 output -> the include file on stdout
  if [ -z "$(printf %s "$3" | tr -d '[:space:]')" ]; then
    printf '# No route objects for %s in %s: nothing is accepted.\ndefine %s = [];\n' "$2" "$IRR_SOURCE" "$1"
    return 0
  fi
  first=$(printf '%s\n' "$3" | sed -n '1p' | tr -d '[:space:]')
  last=$(printf '%s\n' "$3" | sed -n '$p' | tr -d '[:space:]')
  if [ "$first" != "$1=[" ] || [ "$last" != "];" ] \
     || printf '%s\n' "$3" | sed '1d;$d' | grep -Evq '^[[:space:]]*[0-9a-fA-F:./{},]+[[:space:]]*$'; then
    echo "irr-filter: bgpq4 printed something other than a prefix set named $1" >&2
    return 1
  fi
  printf '# From %s by bgpq4 for %s; replaced on every refresh.\ndefine %s\n' "$IRR_SOURCE" "$2" "$3"
}

refresh() {
  changed=""
  for spec in $IRR_LISTS; do
    afi=${spec%%:*}; rest=${spec#*:}; name=${rest%%:*}; what=${rest#*:}
    # "6/128": more-specifics up to /128 too (bgpq4 -R), for blackhole routes.
    upto=""
    case $afi in */*) upto="-R ${afi#*/}"; afi=${afi%/*} ;; esac
    # bgpq4 has no timeout of its own, and a registry that is starting can
    # take a query and never answer: a hung run must not stop the refresh.
    if ! out=$(timeout "${IRR_QUERY_TIMEOUT:-30}" bgpq4 -h "$IRR_HOST" -S "$IRR_SOURCE" "-$afi" $upto -b -l "$name" "$what" \
               2>/tmp/bgpq4.err); then
      echo "irr-filter: bgpq4 for $what failed: $(tr '\n' ' ' </tmp/bgpq4.err); the last list stays" >&2
      return 1
    fi
    list_file "$name" "$what" "$out" > "$dir/$name.conf.new" || { rm -f "$dir/$name.conf.new"; return 1; }
    if cmp -s "$dir/$name.conf.new" "$dir/$name.conf"; then
      rm -f "$dir/$name.conf.new"
    else
      [ -f "$dir/$name.conf" ] && cp -p "$dir/$name.conf" "$dir/$name.conf.prev"
      chmod 0644 "$dir/$name.conf.new"
      mv "$dir/$name.conf.new" "$dir/$name.conf"
      changed="$changed $name"
    fi
  done
  [ -n "$changed" ] || return 0
  if ! { [ -S "$BIRD_SOCKET" ] && [ -f "$BIRD_CONF" ]; }; then
    return 0  # BIRD not started yet: it reads the lists when it starts
  fi
  if ! bird -p -c "$BIRD_CONF" >/tmp/bird-p.out 2>&1; then
    echo "irr-filter: bird -p refused the new lists ($(tr '\n' ' ' </tmp/bird-p.out)); putting the last back" >&2
    for name in $changed; do mv "$dir/$name.conf.prev" "$dir/$name.conf" 2>/dev/null || rm -f "$dir/$name.conf"; done
    return 1
  fi
  if ! birdc -s "$BIRD_SOCKET" configure | grep -Eq 'Reconfigur(ed|ation in progress)'; then
    echo "irr-filter: birdc configure failed" >&2
    return 1
  fi
  echo "irr-filter: reloaded BIRD with new lists:$changed" >&2
}

while :; do
  t0=$(date +%s%N)
  if refresh; then
    printf 'ok %s %s ms\n' "$(date +%s)" "$(( ($(date +%s%N) - t0) / 1000000 ))" > "$status.new"
  else
    printf 'failed %s\n' "$(date +%s)" > "$status.new"
  fi
  mv "$status.new" "$status"
  sleep "$IRR_REFRESH"
done
