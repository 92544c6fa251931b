"""A host's network as the stack sets it up: addresses, routes, sysctls, the
prefix's dummy interface, the firewall and lab names, rendered as three
shell scripts from one spec: apply (idempotent), check (what drifted) and
undo (for destroy).

On a real machine (`persistent`) every piece also goes where the
distribution keeps it across a boot: sysctls in /etc/sysctl.d, the rules in
a unit of the stack's own that loads them before the network comes up, and
interfaces through whichever network stack the host uses (systemd-networkd
or ifupdown). The file contents are rendered here once, so the apply and the
check scripts can never disagree about them.
"""

from __future__ import annotations

import hashlib
import ipaddress
import uuid
from dataclasses import dataclass, field

from .env import render

ROUTER_SYSCTLS = (
    ("net.ipv6.conf.all.forwarding", 1),
    ("net.ipv4.ip_forward", 1),
)
# Docker turns IPv6 off in containers by default.
BASE_SYSCTLS = (
    ("net.ipv6.conf.all.disable_ipv6", 0),
    ("net.ipv6.conf.default.disable_ipv6", 0),
    ("net.ipv6.conf.all.accept_dad", 0),
    ("net.ipv6.conf.default.accept_dad", 0),
)

STATE_DIR = "/var/lib/personal-as"
FIREWALL_FILE = "/etc/personal-as/firewall.nft"
FIREWALL_UNIT = "personal-as-firewall.service"
SYSCTL_FILE = "/etc/sysctl.d/60-personal-as.conf"
# A router's systemd-resolved, where it runs: no LLMNR, no mDNS.
RESOLVED_FILE = "/etc/systemd/resolved.conf.d/60-personal-as.conf"
# The interfaces that took router advertisements before forwarding was on,
# and take them still (accept_ra 2): made from what each host had.
ACCEPT_RA_FILE = "/etc/sysctl.d/61-personal-as-accept-ra.conf"
IFUPDOWN_FILE = "/etc/network/interfaces.d/personal-as"
NETWORKD_PREFIX = "/etc/systemd/network/60-personal-as-"
# NetworkManager's keyfiles of the stack's own: file and connection alike
# are named personal-as-<interface>, and nothing else of NetworkManager's
# is touched.
NM_DIR = "/etc/NetworkManager/system-connections"
NM_PREFIX = f"{NM_DIR}/personal-as-"


@dataclass(frozen=True)
class PrefixInterface:
    name: str
    addresses: tuple[str, ...]
    lab: bool  # a port-less bridge stands in for `dummy` (no module here)


@dataclass(frozen=True)
class Firewall:
    """The stack's rules on a host.

    A router the stack owns (vps) drops everything it does not name. A host
    with other jobs (home) keeps its own services: its table accepts by
    default and only closes the ports of the stack's services that must not
    be reached from outside (`closed_tcp_ports`, open on loopback only).
    """

    ssh_port: int = 22
    bgp_neighbors: tuple[str, ...] = ()
    # Neighbours this host runs BFD with: their control packets (UDP 3784
    # single-hop, 4784 multihop, RFC 5881/5883) must come in.
    bfd_neighbors: tuple[str, ...] = ()
    tcp_ports: tuple[int, ...] = ()
    policy_drop: bool = True
    closed_tcp_ports: tuple[int, ...] = ()
    # Ports only these prefixes (and loopback) may reach, on a host that
    # accepts by default: the Krill proxy's with krill.proxy.allow_from.
    allowed_tcp_ports: tuple[int, ...] = ()
    allow_from: tuple[str, ...] = ()

    @property
    def allow_from4(self) -> tuple[str, ...]:
        return tuple(p for p in self.allow_from if ":" not in p)

    @property
    def allow_from6(self) -> tuple[str, ...]:
        return tuple(p for p in self.allow_from if ":" in p)


@dataclass(frozen=True)
class HostNetwork:
    host: str
    router: bool
    addresses: tuple[tuple[str, str], ...] = ()
    routes: tuple[str, ...] = ()  # `ip route` arguments: "<destination> via <gateway>"
    prefix_if: PrefixInterface | None = None
    firewall: Firewall | None = None
    # Lab hosts: the management interface, fenced off to SSH only.
    mgmt_if: str | None = None
    extra_sysctls: tuple[tuple[str, int], ...] = field(default_factory=tuple)
    # Names this host resolves without DNS (a lab world's `rir.lab`): kept in
    # a block of the stack's own in /etc/hosts.
    names: tuple[tuple[str, str], ...] = ()
    # A real machine: everything survives a boot by the distribution's means.
    # A lab host is a container the stack re-provisions when it is re-made.
    persistent: bool = False

    @property
    def sysctls(self) -> tuple[tuple[str, int], ...]:
        return BASE_SYSCTLS + (ROUTER_SYSCTLS if self.router else ()) + self.extra_sysctls


@dataclass(frozen=True)
class Route:
    destination: str  # normalised, "default" for a default route, as `ip route show` prints it
    gateway: str
    family: str  # "-4" | "-6"
    args: str  # as given, for `ip route replace`

    @property
    def networkd_destination(self) -> str:
        if self.destination != "default":
            return self.destination
        return "::/0" if self.family == "-6" else "0.0.0.0/0"


def parse_route(text: str) -> Route:
    words = text.split()
    if len(words) != 3 or words[1] != "via":
        raise ValueError(f"route {text!r}: personal-as writes routes as '<destination> via <gateway>'")
    gateway = ipaddress.ip_address(words[2])
    if words[0] == "default":
        destination = "default"
    else:
        net = ipaddress.ip_network(words[0], strict=False)
        if net.version != gateway.version:
            raise ValueError(f"route {text!r}: destination and gateway are of different families")
        # As `ip route show` prints it: a host route has no prefix length.
        destination = ("default" if net.prefixlen == 0 else
                       str(net.network_address) if net.prefixlen == net.max_prefixlen else str(net))
    return Route(destination, str(gateway), "-6" if gateway.version == 6 else "-4", text)


def _interface(address: str) -> ipaddress.IPv4Interface | ipaddress.IPv6Interface:
    return ipaddress.ip_interface(address)


@dataclass(frozen=True)
class NetIf:
    """An interface the stack configures: its addresses (normalised, as
    `ip addr` prints them) and the routes whose gateway is on its link."""

    name: str
    addresses: tuple[str, ...]
    routes: tuple[Route, ...]
    kind: str = ""  # "dummy" | "bridge": made by the stack; "": a NIC the host has

    @property
    def dummy(self) -> bool:
        return self.kind == "dummy"


def interfaces(net: HostNetwork) -> list[NetIf]:
    by_name: dict[str, list[str]] = {}
    for ifname, address in net.addresses:
        by_name.setdefault(ifname, []).append(str(_interface(address).with_prefixlen))
    routes = [parse_route(r) for r in net.routes]
    placed: dict[str, list[Route]] = {name: [] for name in by_name}
    for route in routes:
        gw = ipaddress.ip_address(route.gateway)
        home = [n for n, addrs in by_name.items() if any(gw in _interface(a).network for a in addrs)]
        if not home:
            raise ValueError(f"route {route.args!r} on {net.host}: no interface of the stack's is on {gw}'s link")
        placed[home[0]].append(route)
    result = [NetIf(name, tuple(addrs), tuple(placed[name])) for name, addrs in by_name.items()]
    if net.prefix_if:
        result.append(NetIf(net.prefix_if.name,
                            tuple(str(_interface(a).with_prefixlen) for a in net.prefix_if.addresses), (),
                            kind="bridge" if net.prefix_if.lab else "dummy"))
    return result


def firewall_rules(fw: Firewall) -> str:
    return render("firewall.nft.j2", firewall=fw)


def _networkd_files(ifs: list[NetIf]) -> dict[str, str]:
    files: dict[str, str] = {}
    for i in ifs:
        if i.dummy:
            files[f"{NETWORKD_PREFIX}{i.name}.netdev"] = render("networkd.netdev.j2", iface=i)
        files[f"{NETWORKD_PREFIX}{i.name}.network"] = render("networkd.network.j2", iface=i)
    return files


def nm_connection_id(ifname: str) -> str:
    return f"personal-as-{ifname}"


def _nm_files(ifs: list[NetIf]) -> dict[str, str]:
    files: dict[str, str] = {}
    for i in ifs:
        cid = nm_connection_id(i.name)
        files[f"{NM_PREFIX}{i.name}.nmconnection"] = render(
            "nm-connection.nmconnection.j2", iface=i, id=cid,
            # Stable across runs: the same connection, not a new one each `up`.
            uuid=str(uuid.uuid5(uuid.NAMESPACE_URL, f"personal-as:nm:{cid}")),
            v4=[a for a in i.addresses if ":" not in a], v6=[a for a in i.addresses if ":" in a],
            routes4=[r for r in i.routes if r.family == "-4"], routes6=[r for r in i.routes if r.family == "-6"])
    return files


@dataclass(frozen=True)
class PersistentFiles:
    common: dict[str, str]  # path -> content, on every real host
    networkd: dict[str, str]  # only where systemd-networkd runs the network
    ifupdown: dict[str, str]  # only where ifupdown does
    nm: dict[str, str] = field(default_factory=dict)  # only where NetworkManager does (mode 0600)


def persistent_files(net: HostNetwork) -> PersistentFiles:
    ifs = interfaces(net)
    common = {SYSCTL_FILE: render("sysctl.conf.j2", sysctls=net.sysctls)}
    if net.router:
        common[RESOLVED_FILE] = render("resolved.conf.j2")
    if net.firewall:
        common[f"/etc/systemd/system/{FIREWALL_UNIT}"] = render("firewall.service.j2", rules=FIREWALL_FILE)
    return PersistentFiles(
        common=common,
        networkd=_networkd_files(ifs),
        ifupdown={IFUPDOWN_FILE: render("ifupdown.j2", ifs=ifs)} if ifs else {},
        nm=_nm_files(ifs),
    )


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def file_sets(net: HostNetwork, files: PersistentFiles | None) -> dict[str, list[tuple[str, str]]]:
    """(path, sha256) of every file apply writes, per network stack ("lab"
    where nothing persists): what the drift check compares in one go."""
    rules = {FIREWALL_FILE: firewall_rules(net.firewall)} if net.firewall else {}
    if files is None:
        return {"lab": [(p, _digest(c)) for p, c in rules.items()]} if rules else {}
    return {stack: [(p, _digest(c)) for p, c in {**rules, **files.common, **extra}.items()]
            for stack, extra in (("networkd", files.networkd), ("ifupdown", files.ifupdown), ("nm", files.nm))}


def _values(net: HostNetwork) -> dict:
    files = persistent_files(net) if net.persistent else None
    return dict(file_sets=file_sets(net, files), files=files,
        net=net, ifs=interfaces(net), routes=[parse_route(r) for r in net.routes],
        rules=firewall_rules(net.firewall) if net.firewall else None,
        hosts_block=render("hosts-block.j2", names=net.names) if net.names else None,
        state=STATE_DIR, firewall_file=FIREWALL_FILE, unit=FIREWALL_UNIT, sysctl_file=SYSCTL_FILE,
        resolved_file=RESOLVED_FILE if net.router and files else None,
        accept_ra_file=ACCEPT_RA_FILE,
        networkd_prefix=NETWORKD_PREFIX, ifupdown_file=IFUPDOWN_FILE, nm_prefix=NM_PREFIX,
    )


def render_host_network(net: HostNetwork) -> str:
    """Apply: idempotent, every step replaces rather than adds."""
    return render("host-network.sh.j2", **_values(net))


def render_host_network_check(net: HostNetwork) -> str:
    """Drift: prints what differs from the spec and exits 1, or exits 0."""
    return render("host-network-check.sh.j2", **_values(net))


def render_host_network_undo(net: HostNetwork) -> str:
    """Destroy: takes out everything apply put in, files and kernel state."""
    return render("host-network-undo.sh.j2", **_values(net))
