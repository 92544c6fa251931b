"""bird.conf for the lab's other ASes: transit (the user's upstream) and peer."""

from __future__ import annotations

from dataclasses import dataclass

from .env import render


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
                        nexthop_routes: list[Route], peer: Session, rtr: RtrServer | None = None) -> str:
    return render(
        "bird-lab-transit.conf.j2", asn=asn, router_id=router_id, customer=customer,
        customer_prefixes=customer_prefixes, nexthop_routes=nexthop_routes, peer=peer, rtr=rtr,
    )


def render_peer_conf(asn: int, router_id: str, upstream: Session, own_prefixes: list[str]) -> str:
    return render("bird-lab-peer.conf.j2", asn=asn, router_id=router_id, upstream=upstream, own_prefixes=own_prefixes)
