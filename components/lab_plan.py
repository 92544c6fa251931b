"""The lab's topology and address plan, derived from the stack config.

Pure data: which hosts exist, how they are cabled and what addresses each
link end gets. Documentation ranges only (RFC 3849, RFC 5737). transit and gw take
their AS and addresses from upstreams[0], so the user's own config decides
what the world around them looks like.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from .config import StackConfig
from .config.acme import LAB_ACME_NAME, LAB_ROUTE0_NAME
from .config.model import Upstream
from .config.world import LAB_PEER_ASN, LAB_PEER_LINK_VPS, LAB_PEER_NEIGHBOR

PEER_ASN = LAB_PEER_ASN
# The management network carries SSH from the machine to lab hosts only. It
# is a /28 at the top of 203.0.113.0/24 rather than the whole /24: on the
# project's build machines the package mirror itself answers at 203.0.113.80,
# and a /24 route to the bridge would cut the machine off from it.
MGMT_IF = "mgmt0"
# Every lab name is under this domain: the stack CA signs it and nothing else.
LAB_DOMAIN = "lab"
RIR_NAME = f"rir.{LAB_DOMAIN}"
# home's link to rir, and client's link to peer.
SERVICES_NET = "2001:db8:ffff:10::/64"
CLIENT_NET = "2001:db8:ffff:4::/64"
# The lab's ACME CA (pebble), in the peer AS as a public CA sits in someone
# else's network: it reaches route0 across peer, transit and gw.
ACME_NET = "2001:db8:ffff:5::/64"
ACME_ADDRESS = "2001:db8:ffff:5::2"
HOME_SERVICES_ADDRESS = "2001:db8:ffff:10::2"
# The lab's routing registry (IRRd), beside transit: transit's filter job
# queries it, as a real transit's queries the RIR's database.
IRR_NAME = "irr.lab"
IRR_ADDRESS = "2001:db8:ffff:13::2"


@dataclass(frozen=True)
class LinkEnd:
    host: str
    ifname: str
    addresses: tuple[str, ...]  # with prefix length


@dataclass(frozen=True)
class Link:
    a: LinkEnd
    b: LinkEnd

    @property
    def name(self) -> str:
        return f"{self.a.host}-{self.b.host}"


@dataclass(frozen=True)
class LabPlan:
    hosts: tuple[str, ...]
    links: tuple[Link, ...]
    mgmt_addresses: dict[str, str] = field(default_factory=dict)
    routes: dict[str, tuple[str, ...]] = field(default_factory=dict)  # host -> `ip route` args
    routers: tuple[str, ...] = ()
    names: dict[str, dict[str, str]] = field(default_factory=dict)  # host -> {name: address}
    rtr_address: str = ""
    # The machine's side of the management bridge (`lab_mgmt_net`'s first address).
    mgmt_gateway: str = ""
    # vps's own IPv6 address on its link to gw (the provider's): the one its
    # outgoing connections come from. A second address there, for an RTR
    # session's `local address`, is not it.
    vps_link6: str = ""

    def addresses_of(self, host: str) -> list[tuple[str, str]]:
        out = []
        for link in self.links:
            for end in (link.a, link.b):
                if end.host == host:
                    out += [(end.ifname, a) for a in end.addresses]
        return out


def _net64(address: str) -> str:
    return str(ipaddress.ip_network(f"{address}/64", strict=False))


# transit's addresses on its link to gw, where the session's family does not
# name them (upstreams[0].neighbor is the one that does).
TRANSIT4 = "198.51.100.1"
TRANSIT6 = "2001:db8:ffff:2::1"


def second_upstream(cfg: StackConfig) -> Upstream | None:
    """The peer AS as vps's second upstream (config validation allows no other)."""
    return next((u for u in cfg.upstreams[1:] if u.asn == PEER_ASN), None)


def plan(cfg: StackConfig) -> LabPlan:
    """The lab around the user's router, from upstreams[0]."""
    up = cfg.upstreams[0]
    # The session runs over IPv4 (the lab's own default, and Vultr-like) or
    # over IPv6 (BuyVM-like): its ends are vps's and transit's addresses of
    # that family; the other family gets the lab's defaults.
    v6_session = up.neighbor_ip.version == 6
    vps4 = (None if v6_session else up.source) or cfg.router_id
    gw4 = up.gateway4 or "192.0.2.9"
    gw6 = up.gateway6 or "2001:db8:ffff:1::1"
    vps6 = (up.source if v6_session else None) or up.next_hop6 or "2001:db8:ffff:1::10"
    transit4 = TRANSIT4 if v6_session else up.neighbor
    transit6 = up.neighbor if v6_session else TRANSIT6
    # The registry host exists only where the stack has registry objects.
    with_irr = cfg.irr is not None
    hosts = ("vps", "gw", "transit", "peer", "client", "home", "rir", "validator", "acme") + (("irr",) * with_irr)
    # The provider gives vps a second address on its link when the stack's
    # RTR session is to come from one (validator.local_address): listed
    # first, so vps6, added after it, stays the kernel's own pick of source
    # (Linux prefers the address added last), and only BIRD's `local
    # address` makes the session come from it.
    rtr_local = cfg.validator.local_address if cfg.validator else None
    extra6 = ()
    if rtr_local and rtr_local != vps6:
        if ipaddress.ip_address(rtr_local) not in ipaddress.ip_network(f"{vps6}/64", strict=False):
            raise ValueError(f"validator.local_address: {rtr_local} is not on vps's lab link "
                             f"{_net64(vps6)}; in a lab world it must be an address there (e.g. "
                             f"{ipaddress.ip_address(vps6) + 1})")
        extra6 = (f"{rtr_local}/64",)
    links = (
        Link(LinkEnd("vps", "eth-gw", (f"{vps4}/29", *extra6, f"{vps6}/64")),
             LinkEnd("gw", "eth-vps", (f"{gw4}/29", f"{gw6}/64"))),
        Link(LinkEnd("gw", "eth-transit", ("198.51.100.2/30", "2001:db8:ffff:2::2/64")),
             LinkEnd("transit", "eth-gw", (f"{transit4}/30", f"{transit6}/64"))),
        Link(LinkEnd("transit", "eth-peer", ("198.51.100.9/30", "2001:db8:ffff:3::1/64")),
             LinkEnd("peer", "eth-transit", ("198.51.100.10/30", "2001:db8:ffff:3::2/64"))),
        Link(LinkEnd("peer", "eth-client", ("198.51.100.17/30", "2001:db8:ffff:4::1/64")),
             LinkEnd("client", "eth-peer", ("198.51.100.18/30", "2001:db8:ffff:4::2/64"))),
        # The services segment: RPKI exchanges, repository fetches and RTR.
        Link(LinkEnd("home", "eth-rir", (f"{HOME_SERVICES_ADDRESS}/64",)),
             LinkEnd("rir", "eth-home", ("2001:db8:ffff:10::1/64",))),
        Link(LinkEnd("validator", "eth-rir", ("2001:db8:ffff:11::2/64",)),
             LinkEnd("rir", "eth-validator", ("2001:db8:ffff:11::1/64",))),
        Link(LinkEnd("transit", "eth-validator", ("2001:db8:ffff:12::1/64",)),
             LinkEnd("validator", "eth-transit", ("2001:db8:ffff:12::2/64",))),
        Link(LinkEnd("peer", "eth-acme", ("2001:db8:ffff:5::1/64",)),
             LinkEnd("acme", "eth-peer", (f"{ACME_ADDRESS}/64",))),
    ) + ((Link(LinkEnd("transit", "eth-irr", ("2001:db8:ffff:13::1/64",)),
               LinkEnd("irr", "eth-transit", (f"{IRR_ADDRESS}/64",))),) * with_irr)
    # vps's second upstream, when the stack has one: peer, directly.
    if second_upstream(cfg):
        links += (Link(LinkEnd("vps", "eth-peer", (f"{LAB_PEER_LINK_VPS}/64",)),
                       LinkEnd("peer", "eth-vps", (f"{LAB_PEER_NEIGHBOR}/64",))),)
    own = [str(n) for n in cfg.networks]
    # route0's own address, not the whole prefixes: a prefix added later
    # changes nothing on the services segment.
    route0_6 = [f"{cfg.route0_address}/128"] if ":" in cfg.route0_address else []
    routes = {
        # A VPS has a static default route from its provider.
        "vps": (f"default via {gw4}", f"default via {gw6}"),
        # gw is the provider's router: it routes the customer's block to vps.
        "gw": (f"default via {transit4}", f"default via {transit6}",
               *[f"{p} via {vps6 if ':' in p else vps4}" for p in own]),
        # transit reaches its customer's session address and link through gw.
        "transit": (f"{vps4}/32 via 198.51.100.2", "2001:db8:ffff:1::/64 via 2001:db8:ffff:2::2"),
        "client": ("default via 198.51.100.17", "default via 2001:db8:ffff:4::1"),
        # The services segment is routed too, as a home uplink is: client's
        # network reaches home (and its other services) through peer,
        # transit, validator and rir, and home answers the same way back.
        # peer reaches the provider's customer link (vps's own address, which
        # vps's outgoing connections come from: to the ACME CA) via transit,
        # as the provider's aggregate would be routed on the internet.
        "peer": (f"{SERVICES_NET} via 2001:db8:ffff:3::1", f"{_net64(vps6)} via 2001:db8:ffff:3::1"),
        # vps asks the validator over RTR (ROV at the user's edge) from its
        # link address, across gw and transit.
        "validator": (f"{SERVICES_NET} via 2001:db8:ffff:11::1", f"{CLIENT_NET} via 2001:db8:ffff:12::1",
                      f"{ACME_NET} via 2001:db8:ffff:12::1", f"{_net64(vps6)} via 2001:db8:ffff:12::1",
                      *[f"{a} via 2001:db8:ffff:12::1" for a in route0_6]),
        # home reaches vps (its metrics tunnel) and route0 (whose TLS
        # certificate it watches) over routed paths, as a home server reaches
        # its VPS across the internet: rir, validator, transit, gw.
        "rir": (f"{CLIENT_NET} via 2001:db8:ffff:11::2", f"{ACME_NET} via 2001:db8:ffff:11::2",
                f"{_net64(vps6)} via 2001:db8:ffff:11::2", *[f"{a} via 2001:db8:ffff:11::2" for a in route0_6]),
        "home": (f"{CLIENT_NET} via 2001:db8:ffff:10::1", f"{ACME_NET} via 2001:db8:ffff:10::1",
                 f"{_net64(vps6)} via 2001:db8:ffff:10::1", *[f"{a} via 2001:db8:ffff:10::1" for a in route0_6],
                 # The validator's own link: its metrics, scraped from home.
                 "2001:db8:ffff:11::/64 via 2001:db8:ffff:10::1"),
        "acme": ("default via 2001:db8:ffff:5::1",),
        **({"irr": ("default via 2001:db8:ffff:13::1",)} if with_irr else {}),
    }
    routes["transit"] += (f"{SERVICES_NET} via 2001:db8:ffff:12::2",)
    mgmt_net = ipaddress.ip_network(cfg.lab_mgmt_net)
    mgmt = {h: f"{mgmt_net.network_address + 2 + i}/{mgmt_net.prefixlen}" for i, h in enumerate(hosts)}
    # Lab names resolve through /etc/hosts entries the stack writes: each host
    # reaches rir's Krill (the RIR's CA and repository) over its own link.
    # The ACME CA and the sites it certifies are reached by name too.
    route0 = {LAB_ROUTE0_NAME: cfg.route0_address}
    names = {
        "home": {RIR_NAME: "2001:db8:ffff:10::1", LAB_ACME_NAME: ACME_ADDRESS},
        "validator": {RIR_NAME: "2001:db8:ffff:11::1"},
        "vps": {LAB_ACME_NAME: ACME_ADDRESS},
        # The CA reaches home's Krill proxy on home's services address.
        "acme": {**route0, cfg.krill.public_name: HOME_SERVICES_ADDRESS},
        "client": route0,
        # IRRd answers HTTP only for the name in its own URL: the stack
        # reaches its API on irr itself, by that name.
        **({"transit": {IRR_NAME: IRR_ADDRESS}, "irr": {IRR_NAME: IRR_ADDRESS}} if with_irr else {}),
    }
    return LabPlan(hosts=hosts, links=links, mgmt_addresses=mgmt, routes=routes,
                   routers=("vps", "gw", "transit", "peer", "validator", "rir"), names=names,
                   rtr_address="2001:db8:ffff:12::2",
                   mgmt_gateway=f"{mgmt_net.network_address + 1}/{mgmt_net.prefixlen}", vps_link6=vps6)
