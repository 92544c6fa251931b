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
sysctl -qw net.ipv6.conf.all.disable_ipv6=0
sysctl -qw net.ipv6.conf.default.disable_ipv6=0
sysctl -qw net.ipv6.conf.all.accept_dad=0
sysctl -qw net.ipv6.conf.default.accept_dad=0
sysctl -qw net.ipv6.conf.all.forwarding=1
sysctl -qw net.ipv4.ip_forward=1

# The same, live now.
ip link set dev eth-gw up
ip addr replace 192.0.2.10/29 dev eth-gw
ip addr replace 2001:db8:ffff:1::11/64 dev eth-gw nodad
ip addr replace 2001:db8:ffff:1::10/64 dev eth-gw nodad
# dummy0: this kernel has no dummy module; a bridge with no ports stands
# in. It has no carrier, so addresses go on with nodad or they stay tentative
# and nginx cannot bind them.
if ! ip link show dev dummy0 >/dev/null 2>&1; then
  ip link add dummy0 type bridge 2>/dev/null || ip link show dev dummy0 >/dev/null
fi
ip link set dev dummy0 up
ip addr replace 2001:db8:100::80/128 dev dummy0 nodad
ip -4 route replace default via 192.0.2.9
ip -6 route replace default via 2001:db8:ffff:1::1

# The management interface carries SSH from the machine and nothing else.
nft -f - <<'NFT'
table inet personal_as_mgmt
delete table inet personal_as_mgmt
table inet personal_as_mgmt {
  chain input {
    type filter hook input priority -10; policy accept;
    iifname "mgmt0" tcp dport 22 accept
    iifname "mgmt0" ct state established,related accept
    iifname "mgmt0" meta l4proto 58 accept comment "neighbour discovery on the link"
    iifname "mgmt0" drop
  }
  chain forward {
    type filter hook forward priority -10; policy accept;
    iifname "mgmt0" drop
    oifname "mgmt0" drop
  }
}
NFT

# The firewall: one file, loaded now. The
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
    ip saddr 198.51.100.1 udp dport { 3784, 4784 } accept comment "BFD"
    tcp dport { 80, 443 } accept
  }
}
PERSONAL_AS_EOF
nft -f /etc/personal-as/firewall.nft
nft list table inet personal_as | sha256sum > "$state/firewall.sha256"
echo "provisioned "vps
