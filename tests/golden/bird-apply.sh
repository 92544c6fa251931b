# Apply a new bird.conf safely, rendered by personal-as and run over SSH with
# the config on stdin. Checked with `bird -p` before it is swapped in; applied
# with `birdc configure timeout`, and confirmed only once the BGP sessions are
# Established again. Otherwise BIRD rolls back by itself when the timeout
# runs out, so a bad change cannot cut the operator off from their router.
set -eu
umask 077
conf=/etc/bird/bird.conf
sock=/run/bird/bird.ctl
verify_seconds=90
new="$conf.new"
# BIRD's run directory belongs to the host's bird user, whatever its uid: the
# container's BIRD follows that owner.
install -d -o bird -g bird -m 0750 "$(dirname "$sock")"
mkdir -p "$(dirname "$conf")"
cat > "$new"
chown bird:bird "$new"
chmod 0600 "$new"
if ! bird -p -c "$new"; then
  rm -f "$new"
  echo "bird -p rejected the new config; nothing changed" >&2
  exit 1
fi
dest=$conf
# A file the host had before the stack's first write is kept, for destroy to
# put back (a package's own /etc/bird/bird.conf, say).
state=/var/lib/personal-as
mark=$(printf %s "$dest" | tr / %)
if [ ! -e "$state/owned/$mark" ]; then
  if [ -e "$dest" ]; then (umask 077 && mkdir -p "$state/orig" && cp -a "$dest" "$state/orig/$mark"); fi
  (umask 022 && mkdir -p "$state/owned") && : > "$state/owned/$mark"
fi
if ! { [ -S "$sock" ] && birdc -s "$sock" show status >/dev/null 2>&1; }; then
  mv "$new" "$conf"  # first deploy: the daemon starts with it
  echo "installed $conf"
  exit 0
fi
if cmp -s "$new" "$conf"; then
  rm -f "$new"
  chown bird:bird "$conf"; chmod 0600 "$conf"
  echo "unchanged"
  exit 0
fi
cp -p "$conf" "$conf.prev"
mv "$new" "$conf"
if ! birdc -s "$sock" configure timeout 120 | tee /dev/stderr | grep -Eq 'Reconfigur(ed|ation in progress)'; then
  # The confirmed file goes back before anything else: left in place, the
  # unconfirmed one would be what BIRD loads at its next start.
  mv "$conf.prev" "$conf"
  birdc -s "$sock" configure undo >/dev/null 2>&1 || true
  echo "birdc configure failed; BIRD keeps its confirmed config, and so does $conf" >&2
  exit 1
fi
established() {
  for p in transit; do
    birdc -s "$sock" show protocols "$p" | grep -q Established || return 1
  done
}
i=0
until established; do
  i=$((i + 1))
  if [ "$i" -ge "$verify_seconds" ]; then
    echo "sessions not Established after ${verify_seconds}s; rolling back" >&2
    birdc -s "$sock" configure undo >&2 || true
    mv "$conf.prev" "$conf"
    exit 1
  fi
  sleep 1
done
birdc -s "$sock" configure confirm
echo "reconfigured"
