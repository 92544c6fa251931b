"""The whole stack config, and the rules that span several keys."""

from __future__ import annotations

import ipaddress

from pydantic import Field, ValidationInfo, field_validator, model_validator

from .errors import KeyedError
from .model import AnnouncedPrefix, Host, Krill, Roa, Strict, Upstream, _check_asn
from .prefixes import IPNetwork, parse_ip

REQUIRED_HOSTS = ("vps", "home")


class StackConfig(Strict):
    asn: int
    router_id: str
    prefixes: list[AnnouncedPrefix] = Field(min_length=1)
    upstreams: list[Upstream] = Field(min_length=1)
    roas: list[Roa] = Field(default_factory=list)
    hosts: dict[str, Host]
    krill: Krill = Field(default_factory=Krill)
    # The route0 web server's address, inside one of the prefixes.
    route0: str | None = None

    _asn = field_validator("asn")(_check_asn)

    @field_validator("router_id")
    @classmethod
    def _router_id(cls, v: str) -> str:
        return str(parse_ip(v, 4))

    @field_validator("prefixes")
    @classmethod
    def _prefixes(cls, v: list[str]) -> list[str]:
        nets = [ipaddress.ip_network(p) for p in v]
        for i, a in enumerate(nets):
            for b in nets[i + 1:]:
                if a.overlaps(b):
                    raise ValueError(f"{a} and {b} overlap; list each block once")
        return [str(n) for n in nets]

    @field_validator("hosts")
    @classmethod
    def _hosts(cls, v: dict[str, Host]) -> dict[str, Host]:
        missing = [h for h in REQUIRED_HOSTS if h not in v]
        if missing:
            raise ValueError(f"missing {', '.join(missing)}; hosts needs {', '.join(REQUIRED_HOSTS)}")
        return v

    @field_validator("upstreams")
    @classmethod
    def _unique_upstreams(cls, v: list[Upstream]) -> list[Upstream]:
        seen: set[str] = set()
        for u in v:
            if u.name in seen:
                raise ValueError(f"upstream name {u.name!r} is used twice; names must be unique")
            seen.add(u.name)
        return v

    @model_validator(mode="after")
    def _cross_checks(self, info: ValidationInfo) -> StackConfig:
        for i, roa in enumerate(self.roas):
            if not any(roa.net.version == n.version and roa.net.subnet_of(n) for n in self.networks):
                raise KeyedError(("roas", i, "prefix"), roa.prefix,
                                 f"not covered by any of prefixes {self.prefixes}; a ROA can only authorize your own space")
        if self.route0 is not None:
            ip = parse_ip(self.route0)
            if not any(ip in n for n in self.networks):
                raise KeyedError(("route0",), self.route0, f"not inside any of prefixes {self.prefixes}")
        elif not self.v6_networks:
            raise KeyedError(("route0",), None, "must be set when no IPv6 prefix is configured")
        return self

    # Derived values: computed here, never typed by the user.
    @property
    def networks(self) -> list[IPNetwork]:
        return [ipaddress.ip_network(p) for p in self.prefixes]

    @property
    def v6_networks(self) -> list[IPNetwork]:
        return [n for n in self.networks if n.version == 6]

    @property
    def v4_networks(self) -> list[IPNetwork]:
        return [n for n in self.networks if n.version == 4]

    @property
    def is_lab(self) -> bool:
        return all(h.kind == "lab" for h in self.hosts.values())

    @property
    def route0_address(self) -> str:
        if self.route0:
            return str(ipaddress.ip_address(self.route0))
        # The first address after the network address: the seed's route0 lived
        # on the router itself, inside its own /48.
        return str(self.v6_networks[0].network_address + 1)

    def roa_origin(self, roa: Roa) -> int:
        return roa.origin if roa.origin is not None else self.asn

    @property
    def warnings(self) -> list[str]:
        out = []
        for i, roa in enumerate(self.roas):
            if roa.effective_max_length > roa.net.prefixlen:
                out.append(
                    f"roas[{i}]: max_length {roa.effective_max_length} is looser than {roa.prefix}; "
                    "RFC 9319 advises max_length equal to the announced length, or a forged-origin "
                    "more-specific hijack stays RPKI-valid"
                )
        return out
