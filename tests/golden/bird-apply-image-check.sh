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
# Checked by the BIRD that will run it, the image's: the host's own bird2
# package (birdc) may be an older release that reads another syntax.
if ! docker run --rm --pull never --network none --log-driver none --cap-drop ALL --cap-add DAC_OVERRIDE --entrypoint bird \
    -v "$new:/etc/bird/new.conf:ro" personal-as/bird:prod-0123abcd -p -c /etc/bird/new.conf; then
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
# What BIRD runs, against what the stack's last `up` confirmed: BIRD's own
# time of its last reconfiguration, recorded at each confirm. A config
# loaded by hand (`birdc configure "other.conf"`), or a timed-out change
# BIRD undid by itself, is a reconfiguration the stack did not make. BIRD
# started since (a restart, a reboot) loaded the file itself: a
# reconfiguration within 5 s of its start is that start.
# BIRD keeps these times on its monotonic clock and prints them mapped onto
# the wall clock as it reads at that moment: as the wall clock is slewed
# (NTP), one reconfiguration reads a few milliseconds apart from one
# `show status` to the next (seen: .092 recorded, .094 read). Two times
# within a second are one reconfiguration.
confirmed_at=/run/bird/confirmed
bird_time() { birdc -s "$sock" show status 2>/dev/null | sed -n "s/^$1 on //p"; }
same_moment() {
  a=$(date -d "$1" +%s%3N 2>/dev/null) && b=$(date -d "$2" +%s%3N 2>/dev/null) || return 1
  d=$((a - b))
  [ "${d#-}" -le 1000 ]
}
runs_confirmed() {
  reconf=$(bird_time 'Last reconfiguration')
  [ -n "$reconf" ] || return 0  # not running: it loads the file when it starts
  same_moment "$reconf" "$(cat "$confirmed_at" 2>/dev/null)" && return 0
  reboot=$(bird_time 'Last reboot')
  [ $(( $(date -d "$reconf" +%s) - $(date -d "$reboot" +%s) )) -le 5 ]
}
if ! { [ -S "$sock" ] && birdc -s "$sock" show status >/dev/null 2>&1; }; then
  mv "$new" "$conf"  # first deploy: the daemon starts with it
  echo "installed $conf"
  exit 0
fi
if cmp -s "$new" "$conf"; then
  chown bird:bird "$conf"; chmod 0600 "$conf"
  if runs_confirmed; then
    rm -f "$new"
    echo "unchanged"
    exit 0
  fi
  # The file is the stack's, but BIRD runs something else: load it again,
  # the safe way.
  echo "BIRD was reconfigured at $reconf, not by the stack: loading $conf again" >&2
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
# The time BIRD gives its running config, recorded for the drift check. A
# change that removes or restarts protocols is "Reconfiguration in
# progress" until they are down, and a busy BIRD may not answer at once:
# read it until BIRD says it, or fail rather than record nothing.
confirmed=""
for i in $(seq 1 60); do
  if ! birdc -s "$sock" show status 2>/dev/null | grep -q 'Reconfiguration in progress'; then
    confirmed=$(bird_time 'Last reconfiguration')
    [ -z "$confirmed" ] || break
  fi
  sleep 0.5
done
if [ -z "$confirmed" ]; then
  echo "BIRD runs $conf (confirmed) but did not give its reconfiguration time within 30 s" >&2
  exit 1
fi
echo "$confirmed" > "$confirmed_at"
rm -f "$conf.prev"
echo "reconfigured"
