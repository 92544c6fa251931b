# Drift check for /etc/bird/bird.conf, rendered by personal-as: the stack's content
# arrives on stdin. Exits 1 and says why when the host's file differs.
set -u
if ! cmp -s - /etc/bird/bird.conf; then echo "drift: "/etc/bird/bird.conf" is not the stack's"; exit 1; fi
got=$(stat -c '%U:%G %a' /etc/bird/bird.conf)
want=bird:bird" "600
[ "$got" = "$want" ] || { echo "drift: "/etc/bird/bird.conf" is $got, not $want"; exit 1; }
sock=/run/bird/bird.ctl
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
if ! runs_confirmed; then
  echo "drift: BIRD was reconfigured at $reconf, not by the stack: it may run another config than "/etc/bird/bird.conf
  exit 1
fi
