"""bird.conf for the user's router: a pure function of the validated config."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass

from ..config import StackConfig
from ..config.model import MaxPrefixes
from ..config.bgp_policy import BFD_INTERVAL_MS, BFD_MULTIPLIER, BLACKHOLE, GRACEFUL_SHUTDOWN, NO_EXPORT
from .env import render


@dataclass(frozen=True)
class Family:
    version: int
    prefixes: list[str]

    @property
    def channel(self) -> str:
        return f"ipv{self.version}"

    @property
    def default_route(self) -> str:
        return "::/0" if self.version == 6 else "0.0.0.0/0"


@dataclass(frozen=True)
class BfdTimers:
    interval_ms: int
    multiplier: int


# The policy constants every BIRD template of the project may use.
POLICY = {"bfd": BfdTimers(BFD_INTERVAL_MS, BFD_MULTIPLIER), "gshut": GRACEFUL_SHUTDOWN, "bh": BLACKHOLE,
          "no_export": NO_EXPORT}


@dataclass(frozen=True)
class UpstreamView:
    """An upstream as the template sees it, with the plaintext password."""

    name: str
    asn: int
    neighbor: str
    source: str | None
    multihop: int | None
    password: str | None
    import_: str
    next_hop6: str | None
    max_prefixes: MaxPrefixes
    gateway4: str | None
    gateway6: str | None
    hold_time: int | None
    role: str | None = None
    bfd: bool = False
    blackhole: bool = False
    # GRACEFUL_SHUTDOWN on this upstream's announcements (its own key or the router's).
    maintenance: bool = False

    @property
    def filter_prefix(self) -> str:
        # Deterministic names, as pathvector does: AS<peer>_<name>.
        return f"AS{self.asn}_{self.name}"

    def gateway(self, version: int) -> str | None:
        return self.gateway6 if version == 6 else self.gateway4

    def __getattr__(self, item):  # `import` is a Python keyword; templates say u.import
        if item == "import":
            return self.import_
        raise AttributeError(item)


def families(cfg: StackConfig) -> list[Family]:
    """IPv6 always; IPv4 only when an IPv4 prefix is configured."""
    out = [Family(6, [str(n) for n in cfg.v6_networks])] if cfg.v6_networks else []
    if cfg.v4_networks:
        out.append(Family(4, [str(n) for n in cfg.v4_networks]))
    return out


def render_bird_conf(cfg: StackConfig, passwords: Mapping[str, str | None]) -> str:
    """Render the router's bird.conf.

    Args:
        cfg: the validated stack config.
        passwords: plaintext BGP passwords by upstream name. They arrive here
            unwrapped from Pulumi secrets, so the result must be kept secret.
    """
    ups = [
        UpstreamView(
            name=u.name, asn=u.asn, neighbor=u.neighbor,
            # An IPv4 session comes from the router id unless told otherwise.
            source=u.source or (cfg.router_id if u.neighbor_ip.version == 4 else None),
            multihop=u.multihop, password=passwords.get(u.name), import_=u.import_,
            next_hop6=u.next_hop6, max_prefixes=u.max_prefixes, gateway4=u.gateway4,
            gateway6=u.gateway6, hold_time=u.hold_time, role=u.role, bfd=u.bfd, blackhole=u.blackhole,
            maintenance=cfg.in_maintenance(u),
        )
        for u in cfg.upstreams
    ]
    fams = families(cfg)
    blackholes = {f.version: [f"{a}/{32 if f.version == 4 else 128}" for a in cfg.blackhole
                              if ipaddress.ip_address(a).version == f.version] for f in fams}
    return render(
        "bird.conf.j2", asn=cfg.asn, router_id=cfg.router_id, families=fams, upstreams=ups,
        communities=[c.split(":") for c in cfg.communities], blackholes=blackholes,
        validator=cfg.validator if cfg.validates_imports else None, lab_world=cfg.faces_lab, **POLICY,
    )


def plaintext_passwords(cfg: StackConfig) -> dict[str, str | None]:
    """Passwords as validated; only for tests and for Output.apply in components."""
    return {u.name: (u.password.get_secret_value() if u.password else None) for u in cfg.upstreams}
