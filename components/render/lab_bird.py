"""bird.conf for the lab's other ASes: transit (the user's upstream) and peer."""

from __future__ import annotations

from dataclasses import dataclass

from .env import render
from .irr_filter import IrrList


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
    v6 = [lst for lst in irr_lists if lst.version == 6]
    return render(
        "bird-lab-transit.conf.j2", asn=asn, router_id=router_id, customer=customer,
        customer_prefixes=customer_prefixes, nexthop_routes=nexthop_routes, peer=peer, rtr=rtr,
        irr_lists=list(irr_lists), customer_set=v6[0].name if v6 else "CUSTOMER_V6",
    )


def render_peer_conf(asn: int, router_id: str, upstream: Session, own_prefixes: list[str]) -> str:
    return render("bird-lab-peer.conf.j2", asn=asn, router_id=router_id, upstream=upstream, own_prefixes=own_prefixes)
