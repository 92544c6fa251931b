"""bird.conf for the lab's other ASes: transit (the user's upstream) and peer."""

from __future__ import annotations

from dataclasses import dataclass

from .bird import POLICY
from .env import render
from .irr_filter import IrrList

# The rest of the lab's internet, as transit sells it to a customer that
# takes routes (import default or full): one route RPKI-valid for transit's
# own AS, one whose ROA names another AS (INVALID as transit originates it).
# Their ROAs are the LIR's (world_roas below).
WORLD_VALID = "2001:db8:200::/48"
WORLD_INVALID = "2001:db8:300::/48"
WORLD_ROUTES = (WORLD_VALID, WORLD_INVALID)
WORLD_INVALID_ORIGIN = 64511


def world_roas(transit_asn: int) -> list[tuple[int, str, int]]:
    """The LIR's ROAs for WORLD_ROUTES: (origin, prefix, max_length)."""
    return [(transit_asn, WORLD_VALID, 48), (WORLD_INVALID_ORIGIN, WORLD_INVALID, 48)]


@dataclass(frozen=True)
class Session:
    name: str
    asn: int
    local: str
    neighbor: str
    multihop: int | None = None
    password: str | None = None
    hold_time: int | None = None
    next_hop6: str | None = None
    # This side's RFC 9234 role; with it, transit requires the other side's.
    role: str | None = None
    bfd: bool = False
    # Takes RFC 7999 blackhole routes from this neighbour.
    blackhole: bool = False
    # The ASN this side speaks on the session when it is not the router's
    # own: a provider's private session ASN (Vultr's 64515), which never
    # reaches the AS path beyond the session.
    local_asn: int | None = None

    @property
    def filter_name(self) -> str:
        return f"AS{self.asn}_{self.name}_IMPORT_V6"


@dataclass(frozen=True)
class RtrServer:
    address: str
    port: int = 8282
    refresh: int = 10
    retry: int = 5
    expire: int = 600


@dataclass(frozen=True)
class Route:
    net: str
    via: str


def render_transit_conf(asn: int, router_id: str, customer: Session, customer_prefixes: list[str],
                        nexthop_routes: list[Route], peer: Session, rtr: RtrServer | None = None,
                        irr_lists: list[IrrList] | tuple[IrrList, ...] = ()) -> str:
    """With irr_lists, the customer filter is the registry's (bgpq4's list,
    by its fixed name); without, the hand-written list of customer_prefixes."""
    v6 = [lst for lst in irr_lists if lst.version == 6 and not lst.upto]
    v6_more = [lst for lst in irr_lists if lst.version == 6 and lst.upto]
    return render(
        "bird-lab-transit.conf.j2", asn=asn, router_id=router_id, customer=customer,
        customer_prefixes=customer_prefixes, nexthop_routes=nexthop_routes, peer=peer, rtr=rtr,
        irr_lists=list(irr_lists), customer_set=v6[0].name if v6 else "CUSTOMER_V6",
        customer_more_set=v6_more[0].name if v6_more else "CUSTOMER_V6_MORE",
        world_routes=WORLD_ROUTES, **POLICY,
    )


# How long vps may keep gw's RA default route without a new RA.
GW_RA_LIFETIME_S = 12


def render_gw_ra_conf(router_id: str, interface: str) -> str:
    """gw's BIRD: router advertisements on the customer's link, nothing else."""
    return render("bird-lab-gw.conf.j2", router_id=router_id, interface=interface, lifetime=GW_RA_LIFETIME_S)


def render_peer_conf(asn: int, router_id: str, upstream: Session, own_prefixes: list[str],
                     customer: Session | None = None, customer_prefixes: list[str] | None = None) -> str:
    """With `customer`, peer is vps's second upstream too."""
    return render("bird-lab-peer.conf.j2", asn=asn, router_id=router_id, upstream=upstream, own_prefixes=own_prefixes,
                  customer=customer, customer_prefixes=customer_prefixes or [], **POLICY)
