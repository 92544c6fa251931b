# Host network provisioning for vps, rendered by personal-as and run
# over SSH as root. Idempotent: every step replaces rather than adds, so a
# re-run converges, and `up` after drift puts everything back.
set -eu
umask 022
state=/var/lib/personal-as
mkdir -p "$state" /etc/personal-as
# put FILE: install stdin as FILE if it differs; succeeds only when it changed.
put() {
  mkdir -p "$(dirname "$1")"
  cat > "$1.new"
  if cmp -s "$1.new" "$1"; then rm -f "$1.new"; return 1; fi
  mv "$1.new" "$1"
}
# Which network stack brings this host's interfaces up at boot: the stack's
# interfaces go into that stack's own files, so they come back with the rest.
# The same lines run in preview's probe (render/platform_probe.py).
if systemctl is-enabled --quiet systemd-networkd.service 2>/dev/null; then
  netstack=networkd
elif systemctl is-active --quiet NetworkManager.service 2>/dev/null && command -v nmcli >/dev/null 2>&1; then
  netstack=nm
elif [ -x /sbin/ifup ] && grep -Eqs '^[[:space:]]*source(-directory)?[[:space:]]+/etc/network/interfaces\.d' /etc/network/interfaces; then
  netstack=ifupdown
else
  netstack=none
fi
if [ "$netstack" = none ]; then
  echo vps": systemd-networkd is not enabled, NetworkManager is not running, and ifupdown does not" \
    "read /etc/network/interfaces.d/; personal-as cannot make its interfaces survive a reboot here. Use one of" \
    "the three (Debian's default is ifupdown with 'source /etc/network/interfaces.d/*'), then run pulumi up" \
    "again. Nothing was changed." >&2
  exit 1
fi
if [ "$netstack" = nm ]; then
  # A device has one active connection: one of the owner's (a file of its
  # own, not one NetworkManager made up in /run) is never replaced.
  active=$(nmcli -t -f DEVICE,FILENAME connection show --active 2>/dev/null || true)
  f=/etc/NetworkManager/system-connections/personal-as-dummy0.nmconnection; ifn=${f##*/personal-as-}; ifn=${ifn%.nmconnection}
  owner=$(printf '%s\n' "$active" | sed -n "s|^$ifn:||p" | head -n 1)
  case "$owner" in
    "" | /run/* | "$f") ;;
    *) echo vps": $ifn is run by NetworkManager's connection in $owner, the host's own;" \
         "personal-as does not replace it. Give the stack an interface of its own, or move that connection" \
         "off $ifn, then run pulumi up again. Nothing was changed." >&2
       exit 1 ;;
  esac
fi
echo "$netstack" > "$state/netstack"

# Sysctls: the values this host had before the stack's first run are kept
# for destroy to put back; the stack's own go in /etc/sysctl.d.
if [ ! -e "$state/sysctl.orig" ]; then
  {
    echo net.ipv6.conf.all.disable_ipv6"=$(sysctl -n net.ipv6.conf.all.disable_ipv6)"
    echo net.ipv6.conf.default.disable_ipv6"=$(sysctl -n net.ipv6.conf.default.disable_ipv6)"
    echo net.ipv6.conf.all.accept_dad"=$(sysctl -n net.ipv6.conf.all.accept_dad)"
    echo net.ipv6.conf.default.accept_dad"=$(sysctl -n net.ipv6.conf.default.accept_dad)"
    echo net.ipv6.conf.all.forwarding"=$(sysctl -n net.ipv6.conf.all.forwarding)"
    echo net.ipv4.ip_forward"=$(sysctl -n net.ipv4.ip_forward)"
  } > "$state/sysctl.orig.new"
  mv "$state/sysctl.orig.new" "$state/sysctl.orig"
fi
common_changed=""
put /etc/sysctl.d/60-personal-as.conf <<'PERSONAL_AS_EOF' && common_changed="$common_changed "/etc/sysctl.d/60-personal-as.conf || true
# personal-as: the kernel settings of this host's role.
# Written by `pulumi up`; `pulumi destroy` removes it and puts back the values
# the host had before.
net.ipv6.conf.all.disable_ipv6 = 0
net.ipv6.conf.default.disable_ipv6 = 0
net.ipv6.conf.all.accept_dad = 0
net.ipv6.conf.default.accept_dad = 0
net.ipv6.conf.all.forwarding = 1
net.ipv4.ip_forward = 1
PERSONAL_AS_EOF
put /etc/systemd/resolved.conf.d/60-personal-as.conf <<'PERSONAL_AS_EOF' && common_changed="$common_changed "/etc/systemd/resolved.conf.d/60-personal-as.conf || true
# personal-as: a router the stack owns answers no name lookups from its
# links. systemd-resolved (Debian 13's cloud images run it) listens for
# LLMNR on every interface (port 5355) and may answer mDNS: neither belongs
# on an internet router, whatever its firewall drops.
# Written by `pulumi up`, removed by `pulumi destroy`.
[Resolve]
LLMNR=no
MulticastDNS=no
PERSONAL_AS_EOF
put /etc/systemd/system/personal-as-firewall.service <<'PERSONAL_AS_EOF' && common_changed="$common_changed "/etc/systemd/system/personal-as-firewall.service || true
# personal-as: loads the stack's firewall table (inet personal_as) at boot,
# before any interface comes up, and after nftables.service, whose ruleset
# starts with `flush ruleset`. The host's own rules stay the host's.
# Written by `pulumi up`, removed by `pulumi destroy`.
[Unit]
Description=personal-as firewall (nftables table inet personal_as)
DefaultDependencies=no
Wants=network-pre.target
Before=network-pre.target shutdown.target
After=local-fs.target nftables.service
Conflicts=shutdown.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/sbin/nft -f /etc/personal-as/firewall.nft

[Install]
WantedBy=sysinit.target
PERSONAL_AS_EOF
# systemd-resolved reads its drop-ins when it starts (only if it runs here).
case "$common_changed " in
  *" "/etc/systemd/resolved.conf.d/60-personal-as.conf" "*) systemctl try-restart systemd-resolved.service 2>/dev/null || true ;;
esac
# Router advertisements, before forwarding goes on. accept_ra 1 (the
# kernel's default) means "take RAs unless forwarding": with forwarding on
# the host stops listening, and an IPv6 default route it learned from its
# provider's RAs is gone when that route's lifetime runs out. Where the host
# took RAs, it goes on taking them: 1 becomes 2, on every interface and as
# the default for interfaces made later. 0 stays 0 (RAs off, or
# systemd-networkd, which takes them itself). Each interface changed is
# recorded, for destroy to put back and for the drift check.
touch "$state/accept_ra.changed"
# The interfaces (not all, not lo) at accept_ra 1, one name a line. With
# forwarding on, the kernel reads 1 as "take no router advertisements".
accept_ra_at_1() {
  for f in /proc/sys/net/ipv6/conf/*/accept_ra; do
    ifn=${f%/accept_ra}
    ifn=${ifn##*/}
    case "$ifn" in all | lo) continue ;; esac
    read -r v < "$f"
    [ "$v" != 1 ] || echo "$ifn"
  done
}
for ifn in $(accept_ra_at_1); do
  echo 2 > "/proc/sys/net/ipv6/conf/$ifn/accept_ra"
  grep -qx "$ifn" "$state/accept_ra.changed" || echo "$ifn" >> "$state/accept_ra.changed"
  echo "accept_ra 2 on $ifn: it takes router advertisements with forwarding on, as it did before"
done
{
  echo "# personal-as: these interfaces took router advertisements before forwarding was on, and still do."
  # The key by path: an interface's name may hold a dot (a VLAN).
  while read -r ifn; do echo "net/ipv6/conf/$ifn/accept_ra = 2"; done < "$state/accept_ra.changed"
} | put /etc/sysctl.d/61-personal-as-accept-ra.conf || true
sysctl -qw net.ipv6.conf.all.disable_ipv6=0
sysctl -qw net.ipv6.conf.default.disable_ipv6=0
sysctl -qw net.ipv6.conf.all.accept_dad=0
sysctl -qw net.ipv6.conf.default.accept_dad=0
sysctl -qw net.ipv6.conf.all.forwarding=1
sysctl -qw net.ipv4.ip_forward=1

# Interfaces, in the network stack's own files.
net_changed=0
if [ "$netstack" = networkd ]; then
  put /etc/systemd/network/60-personal-as-dummy0.netdev <<'PERSONAL_AS_EOF' && net_changed=1 || true
# personal-as: dummy0 holds the announced prefix's addresses.
# Written by `pulumi up`, removed by `pulumi destroy`.
[NetDev]
Name=dummy0
Kind=dummy
PERSONAL_AS_EOF
  put /etc/systemd/network/60-personal-as-dummy0.network <<'PERSONAL_AS_EOF' && net_changed=1 || true
# personal-as: dummy0's addresses and routes.
# Written by `pulumi up`, removed by `pulumi destroy`.
[Match]
Name=dummy0

[Network]
# The stack's addresses and nothing learnt: no router advertisements, no DHCP.
IPv6AcceptRA=no
ConfigureWithoutCarrier=yes

[Address]
Address=2a0f:85c1:362::1/128
DuplicateAddressDetection=none
PERSONAL_AS_EOF
  for f in /etc/systemd/network/60-personal-as-*; do
    [ -e "$f" ] || continue
    case "$f" in
/etc/systemd/network/60-personal-as-dummy0.netdev|/etc/systemd/network/60-personal-as-dummy0.network) ;;
      *) rm -f "$f"; net_changed=1 ;;
    esac
  done
  rm -f /etc/network/interfaces.d/personal-as /etc/NetworkManager/system-connections/personal-as-*
  # networkctl speaks D-Bus; a minimal host may have none: restart instead.
  if [ "$net_changed" = 1 ]; then networkctl reload 2>/dev/null || systemctl restart systemd-networkd.service; fi
elif [ "$netstack" = nm ]; then
  # Keyfiles of the stack's own (NetworkManager reads only 0600 root files),
  # loaded and brought up; the host's own connections are not touched.
  changed_ids=""
  f=/etc/NetworkManager/system-connections/personal-as-dummy0.nmconnection
  put "$f" <<'PERSONAL_AS_EOF' && { net_changed=1; id=${f##*/}; changed_ids="$changed_ids ${id%.nmconnection}"; } || true
# personal-as: dummy0's addresses and routes, a NetworkManager
# connection of the stack's own. Written by `pulumi up`, removed by
# `pulumi destroy`; the host's own connections are never touched.
[connection]
id=personal-as-dummy0
uuid=621d2482-642a-5eba-b836-9319184fe2c1
type=dummy
interface-name=dummy0
autoconnect=true
# Before any profile NetworkManager makes up for the device (its DHCP default).
autoconnect-priority=100

[ipv4]
method=disabled

[ipv6]
# The stack's addresses and nothing learnt: no router advertisements, no DHCP.
method=manual
addr-gen-mode=eui64
address1=2a0f:85c1:362::1/128
PERSONAL_AS_EOF
  chmod 0600 "$f"
  for f in /etc/NetworkManager/system-connections/personal-as-*; do
    [ -e "$f" ] || continue
    case "$f" in
/etc/NetworkManager/system-connections/personal-as-dummy0.nmconnection) ;;
      *) id=${f##*/}; id=${id%.nmconnection}
         nmcli connection delete id "$id" >/dev/null 2>&1 || true
         rm -f "$f"; net_changed=1 ;;
    esac
  done
  rm -f /etc/network/interfaces.d/personal-as /etc/systemd/network/60-personal-as-*
  if [ "$net_changed" = 1 ]; then
    nmcli connection reload
    for id in $changed_ids; do
      if ! nmcli connection up id "$id" >/dev/null; then
        echo vps": NetworkManager would not bring up its connection $id (is the device unmanaged?)" >&2
        exit 1
      fi
    done
  fi
else
  put /etc/network/interfaces.d/personal-as <<'PERSONAL_AS_EOF' || true
# personal-as: the stack's interfaces, brought up by ifupdown at boot.
# Written by `pulumi up`, removed by `pulumi destroy`.

auto dummy0
iface dummy0 inet manual
  pre-up ip link add dummy0 type dummy 2>/dev/null || ip link show dev dummy0 >/dev/null
  post-down ip link del dummy0 2>/dev/null || true
  up ip link set dev dummy0 up
  up ip addr replace 2a0f:85c1:362::1/128 dev dummy0 nodad
PERSONAL_AS_EOF
  rm -f /etc/systemd/network/60-personal-as-* /etc/NetworkManager/system-connections/personal-as-*
fi

# The same, live now.
if ! ip link show dev dummy0 >/dev/null 2>&1; then
  ip link add dummy0 type dummy 2>/dev/null || ip link show dev dummy0 >/dev/null
fi
ip link set dev dummy0 up
ip addr replace 2a0f:85c1:362::1/128 dev dummy0 nodad

# The firewall: one file, loaded now and by a unit at every boot. The
# listing's digest lets a drift check see a rule changed by hand.
put /etc/personal-as/firewall.nft <<'PERSONAL_AS_EOF' || true
# personal-as: the stack's rules on this host, in a table of their own.
# Loaded whole with `nft -f`: the table is replaced in one transaction, so
# there is never a moment without rules.
table inet personal_as
delete table inet personal_as
table inet personal_as {
  chain input {
    type filter hook input priority 0; policy drop;
    iif lo accept
    ct state established,related accept
    meta l4proto { 1, 58 } accept comment "ICMP and ICMPv6: neighbour discovery, PMTU"
    tcp dport 22 accept comment "sshd"
    ip saddr 198.51.100.1 tcp dport 179 accept
    tcp dport { 80, 443 } accept
  }
}
PERSONAL_AS_EOF
nft -f /etc/personal-as/firewall.nft
nft list table inet personal_as | sha256sum > "$state/firewall.sha256"
systemctl daemon-reload
systemctl enable --quiet personal-as-firewall.service
echo "provisioned "vps
