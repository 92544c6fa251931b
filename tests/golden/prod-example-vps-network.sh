# Host network provisioning, rendered by personal-as and run over SSH.
# Idempotent: every step replaces rather than adds, so a re-run converges.
set -eu
sysctl -qw net.ipv6.conf.all.disable_ipv6=0
sysctl -qw net.ipv6.conf.default.disable_ipv6=0
sysctl -qw net.ipv6.conf.all.accept_dad=0
sysctl -qw net.ipv6.conf.default.accept_dad=0
sysctl -qw net.ipv6.conf.all.forwarding=1
sysctl -qw net.ipv4.ip_forward=1
# The prefix interface.
if ! ip link show dev dummy0 >/dev/null 2>&1; then
  ip link add dummy0 type dummy
fi
# Persist the dummy device across reboots (ifupdown, Debian's default).
cat > /etc/network/interfaces.d/personal-as-dummy0 <<'IFACE'
auto dummy0
iface dummy0 inet6 manual
  pre-up ip link add dummy0 type dummy || true
  up ip link set dummy0 up
  up ip addr replace 2a0f:85c1:362::1/128 dev dummy0 nodad
IFACE
ip link set dev dummy0 up
ip addr replace 2a0f:85c1:362::1/128 dev dummy0 nodad
# Replace the whole table in one transaction: never a moment without rules.
nft -f - <<'NFT'
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
NFT
echo "provisioned vps"
