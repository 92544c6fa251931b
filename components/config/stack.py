"""The whole stack config, and the rules that span several keys."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Any

from pydantic import Field, ValidationInfo, field_validator, model_validator

from .acme import Acme
from .aspa import Aspa, provider_set
from .irr import Irr
from .home_ports import clashes, home_bindings
from .images import Images
from .backup import Backup
from .monitoring import Monitoring
from .bgp_policy import DEFAULT_DRAIN_S, parse_large_community
from .errors import MISSING, KeyedError, KeyedErrors
from .model import (
    LAB_KRILL_PUBLIC_NAME, AnnouncedPrefix, Host, Krill, Roa, RpkiValidator, Strict, Upstream, _check_asn, faces_lab,
)
from .prefixes import IPNetwork, parse_ip, usable_address
from .world import LAB_MGMT_NET_DEFAULT, LAB_PEER_ASN, LAB_PEER_NEIGHBOR, LAB_TRANSIT_LINK6, faces_lab_world, is_lab, check_lab_mgmt_net

REQUIRED_HOSTS = ("vps", "home")
BIRD_ROUTER_ID = "BIRD needs a unique, non-zero router id; use this router's own IPv4 address (e.g. its public one)"


def _normalised_once(values: list[str], normalise) -> list[str]:
    """Each value in its normal form; the same value twice (in any spelling) is refused."""
    out: list[str] = []
    for value in values:
        norm = normalise(value)
        if norm in out:
            raise ValueError(f"{norm} is listed twice")
        out.append(norm)
    return out


def _false_not_null(schema: dict) -> None:
    """An optional section's schema, with `false` where it allows null."""
    schema["anyOf"] = [{"const": False} if o.get("type") == "null" else o for o in schema["anyOf"]]


class StackConfig(Strict):
    """The validated `personal-as:*` config of one stack.

    `lab_world` (default: every host is kind lab) says the stack faces a lab
    world; `is_lab` says every host is a lab container. See world.py.
    """

    # Required here, but filled in before validation when unset (_default_lab_world).
    lab_world: bool = Field(
        description="Whether the stack faces a lab world: the lab's simulated internet (transit, peer, RIR, LIR) is "
                    "built around it, and documentation ASNs and prefixes are accepted. Default: `true` when every "
                    "host is `kind: lab`.")
    asn: int = Field(
        description="The stack's own AS number, the origin of every announced prefix. Public outside a lab world; "
                    "documentation and private ASNs only in one.",
        examples=[215634])
    router_id: str = Field(
        description="BIRD's router id: an IPv4 address unique to this router, usually the VPS's public IPv4; not "
                    "0.0.0.0, 255.255.255.255, multicast or loopback.",
        examples=["192.0.2.10"])
    prefixes: list[AnnouncedPrefix] = Field(
        min_length=1,
        description="The prefixes the stack announces to every upstream, each once and without host bits: IPv6 "
                    "/48 or shorter, IPv4 /24 or shorter, nothing in IANA's special-purpose blocks (vendored in "
                    "`components/config/iana_special.py`; documentation space only in a lab world).",
        examples=[["2001:db8:362::/48"]])
    upstreams: list[Upstream] = Field(min_length=1,
                                      description="The BGP sessions to transit providers, at least one.")
    roas: list[Roa] = Field(
        default_factory=list,
        description="The route origin authorisations the user's Krill CA signs, each inside one of `prefixes`. "
                    "Empty: none.")
    hosts: dict[str, Host] = Field(
        description="The machines the stack runs on, by role; `vps` (the BGP router and route0's web server) and "
                    "`home` (Krill, and Prometheus with `monitoring`) are required.")
    # Validated even when absent: its public_name default depends on lab_world.
    krill: Krill = Field(default_factory=dict, validate_default=True,  # type: ignore[arg-type]
                         description="The user's Krill CA on home, and the TLS proxy in front of it.")
    route0: str | None = Field(
        default=None,
        description="The address of route0's web server, inside one of `prefixes`. Default: the first address "
                    "after the network address of the first IPv6 prefix; required when there is no IPv6 prefix.",
        examples=["2001:db8:362::1"])
    acme: Acme | None = Field(
        default=None,
        description="Certificates from an ACME CA for route0's site (and for the Krill proxy when it holds port 80 "
                    "beyond loopback). Unset: route0 serves plain HTTP.")
    irr: Irr | None = Field(default=None,
                            description="The user's objects in a routing registry. Unset: the stack keeps no IRR "
                                        "objects.")
    validator: RpkiValidator | None = Field(
        default=None,
        description="The RTR cache for route-origin validation of what upstreams whose `import` is `default` or "
                    "`full` send: RPKI-invalid routes are dropped. Required with `import: full`; unset: no "
                    "validation.",
        examples=[{"address": "2001:db8::53", "port": 3323}])
    blackhole: list[str] = Field(
        default_factory=list,
        description="Addresses inside `prefixes` to announce as RFC 7999 blackholes (host routes: /128 or /32) to "
                    "the upstreams with `blackhole: true`; at least one upstream must take them. Never route0's "
                    "address, and nothing in IANA's special-purpose blocks.",
        examples=[["2001:db8:362::666"]])
    maintenance: bool = Field(
        default=False,
        description="Announce to every upstream with GRACEFUL_SHUTDOWN (RFC 8326) before planned work; `up` then "
                    "waits `drain_time`.")
    drain_time: int = Field(
        default=DEFAULT_DRAIN_S, ge=0, le=3600,
        description="Seconds `pulumi up` waits after maintenance is switched on (here or on an upstream), so the "
                    "upstreams can move traffic to other paths first.")
    communities: list[str] = Field(
        default_factory=list,
        description='Large communities (RFC 8092) added to every announced route, each `"ASN:x:y"`.',
        examples=[["215634:1:100"]])
    monitoring: Monitoring | None = Field(
        default=None,
        description="Metrics, alerts and a status page: exporters on vps, Prometheus and Alertmanager on home. "
                    "Unset: none of them.")
    backup: Backup | None = Field(
        default=None,
        description="Backups of the Krill CA's data (its keys and history), encrypted by restic on home before "
                    "they leave it; by default to vps, append-only. Unset: none, and a dead home disk means a new "
                    "CA and onboarding again with your parent.")
    aspa: Aspa | None = Field(
        default_factory=Aspa,
        description="Your ASPA, signed by your Krill CA: the ASes that may carry your routes upward, so that "
                    "validators can reject leaks and forged paths. Made from the upstreams you are a customer of "
                    "(`upstreams[].role` `customer` or unset, by `path_asn` where the session ASN is private) and "
                    "`aspa.providers`. On unless set to `false`: the stack then makes no ASPA and leaves the CA's "
                    "own alone.",
        # What a stack file holds: the section, or `false` (None is how the
        # program holds the opt-out, _aspa_off_or_on).
        json_schema_extra=_false_not_null)
    lab_mgmt_net: str = Field(
        default=LAB_MGMT_NET_DEFAULT,
        description="In a lab world: the /28 inside `203.0.113.0/24` over which this machine reaches the lab hosts by "
                    "SSH. Each stack running a world at the same time needs its own, so a lab and a vmlab run side "
                    "by side.",
        examples=["203.0.113.208/28"])
    lab_portal: bool = Field(
        default=False,
        description="In a lab world: onboard the user's CA as in prod, through RFC 8183 response files, with the "
                    "lab's LIR playing the parent's portal. `false`: the stack onboards it with the lab's LIR itself.")
    images: Images = Field(default_factory=Images,
                           description="How the stack keeps its container images current with Debian's security "
                                       "updates.")

    @model_validator(mode="before")
    @classmethod
    def _default_lab_world(cls, data: Any, info: ValidationInfo) -> Any:
        """lab_world defaults to "every host is kind lab"; the context's flag
        follows the same rule when the caller did not set it."""
        if isinstance(data, dict):
            if isinstance(info.context, dict):
                info.context.setdefault("lab_world", faces_lab_world(data))
            if "lab_world" not in data:
                data = {**data, "lab_world": is_lab(data)}
        return data

    _asn = field_validator("asn")(_check_asn)

    @field_validator("lab_mgmt_net")
    @classmethod
    def _lab_mgmt_net(cls, v: str, info: ValidationInfo) -> str:
        return check_lab_mgmt_net(v, faces_lab(info))

    @field_validator("router_id")
    @classmethod
    def _router_id(cls, v: str) -> str:
        ip = parse_ip(v, 4)
        if ip.is_unspecified:
            raise ValueError(f"{ip} is zero; {BIRD_ROUTER_ID}")
        if ip == ipaddress.IPv4Address("255.255.255.255"):
            raise ValueError(f"{ip} is the broadcast address; {BIRD_ROUTER_ID}")
        if ip.is_multicast:
            raise ValueError(f"{ip} is a multicast address; {BIRD_ROUTER_ID}")
        if ip.is_loopback:
            raise ValueError(f"{ip} is a loopback address, the same on every router; {BIRD_ROUTER_ID}")
        return str(ip)

    @field_validator("route0")
    @classmethod
    def _route0(cls, v: str | None, info: ValidationInfo) -> str | None:
        return None if v is None else str(usable_address(parse_ip(v), faces_lab(info)))

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
    def _hosts(cls, v: dict[str, Host], info: ValidationInfo) -> dict[str, Host]:
        missing = [h for h in REQUIRED_HOSTS if h not in v]
        if missing:
            raise ValueError(f"missing {', '.join(missing)}; hosts needs {', '.join(REQUIRED_HOSTS)}")
        if faces_lab(info):
            for name in REQUIRED_HOSTS:
                if v[name].kind == "ssh" and v[name].lab_cable is None:
                    raise KeyedError((name, "lab_cable"), MISSING,
                                     "a kind ssh host in a lab world needs lab_cable: the name of the machine's "
                                     "bridge its guest's lab NIC sits on (e.g. br-lab0)")
        return v

    @field_validator("communities")
    @classmethod
    def _communities(cls, v: list[str]) -> list[str]:
        return _normalised_once(v, lambda c: ":".join(str(p) for p in parse_large_community(c)))

    @field_validator("blackhole")
    @classmethod
    def _blackhole(cls, v: list[str], info: ValidationInfo) -> list[str]:
        return _normalised_once(v, lambda a: str(usable_address(parse_ip(a), faces_lab(info))))

    @field_validator("aspa", mode="before")
    @classmethod
    def _aspa_off_or_on(cls, v: Any) -> Any:
        # `aspa: false` is the opt-out (held as None); `true` is the default.
        if v is False or v is None:
            return None
        if v is True:
            return {}
        if not isinstance(v, dict):
            raise ValueError("must be false (no ASPA), or a mapping such as {providers: [64511]}")
        return v

    @model_validator(mode="after")
    def _aspa_not_its_own_provider(self) -> StackConfig:
        if self.aspa and self.asn in self.aspa.providers:
            raise KeyedError(("aspa", "providers"), self.asn,
                             f"AS{self.asn} is this stack's own ASN, the ASPA's customer: an AS is never its own "
                             "provider; list the ASes you buy transit from")
        return self

    @property
    def aspa_providers(self) -> tuple[int, ...] | None:
        """The ASPA's provider set (aspa.py), or None when `aspa: false`."""
        return provider_set(self.asn, self.upstreams, self.aspa) if self.aspa else None

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
        # Every problem at once: a user fixing one key per preview run is
        # a user who gives up.
        problems = [*self._own_checks(), *self._policy_checks()]
        if problems:
            raise KeyedErrors(problems)
        return self

    def _own_checks(self) -> Iterator[KeyedError]:
        for i, up in enumerate(self.upstreams):
            if up.asn == self.asn:
                yield KeyedError(("upstreams", i, "asn"), up.asn,
                                 f"is the stack's own asn {self.asn}: that would be iBGP, and this project speaks "
                                 "eBGP to its upstreams; give the upstream's own AS number")
            if up.neighbor_ip.version == 4 and self.v6_networks and up.next_hop6 is None:
                yield KeyedError(("upstreams", i, "next_hop6"), MISSING,
                                 f"the session to {up.neighbor} runs over IPv4 and carries your IPv6 prefixes, "
                                 "which need an IPv6 next hop: set your VPS's own global IPv6 address on its "
                                 "uplink (without it BIRD logs 'Missing next hop address' and announces nothing)")
        neighbors: dict[str, int] = {}
        for i, up in enumerate(self.upstreams):
            ip = parse_ip(up.neighbor)
            if str(ip) in neighbors:
                yield KeyedError(("upstreams", i, "neighbor"), up.neighbor,
                                 f"is upstreams[{neighbors[str(ip)]}].neighbor too: two sessions to one router "
                                 "address collide in BIRD and in the kernel's TCP-MD5 keys; give each upstream "
                                 "its own router")
            neighbors.setdefault(str(ip), i)
            inside = next((n for n in self.networks if n.version == ip.version and ip in n), None)
            if inside is not None:
                yield KeyedError(("upstreams", i, "neighbor"), up.neighbor,
                                 f"is inside your own prefix {inside}: the provider's router has an address of "
                                 "the provider's, and the stack routes your prefix to its own dummy interface")
        route0 = self.route0_address if (self.route0 or self.v6_networks) else None
        for i, a in enumerate(self.blackhole):
            if route0 is not None and parse_ip(a) == parse_ip(route0):
                yield KeyedError(("blackhole", i), a,
                                 "is route0's address, which the stack serves: a blackhole would have the "
                                 "upstreams drop its traffic; blackhole an address under attack, not route0")
        for i, roa in enumerate(self.roas):
            if not any(roa.net.version == n.version and roa.net.subnet_of(n) for n in self.networks):
                yield KeyedError(("roas", i, "prefix"), roa.prefix,
                                 f"not covered by any of prefixes {self.prefixes}; a ROA can only authorize your own space")
        if self.route0 is not None:
            ip = parse_ip(self.route0)
            if not any(ip in n for n in self.networks):
                yield KeyedError(("route0",), self.route0, f"not inside any of prefixes {self.prefixes}")
        elif not self.v6_networks:
            yield KeyedError(("route0",), MISSING, "must be set when no IPv6 prefix is configured")
        if self.monitoring is not None and self.monitoring.webhook_url is None and not self.faces_lab:
            yield KeyedError(("monitoring", "webhook_url"), MISSING,
                             "alerts need somewhere to go outside a lab world: a webhook receiver's URL, set with "
                             "pulumi config set --secret --path 'monitoring.webhook_url' <url>")
        for earlier, later in clashes(home_bindings(self)):
            yield KeyedError(later.key, later.port,
                             f"is {earlier.key_text} too, on the same address of home; give each its own port")
        if self.irr is not None:
            yield from self._irr_matches_rpki()
        yield from self._backup_checks()
        if self.lab_portal and not self.faces_lab:
            yield KeyedError(("lab_portal",), True,
                             "only a stack that faces a lab world has the lab's LIR to play a portal; a prod "
                             "stack goes through its parent's real portal anyway: remove lab_portal")
        if self.faces_lab and self.krill_by_acme and self.krill.public_name != LAB_KRILL_PUBLIC_NAME:
            yield KeyedError(("krill", "public_name"), self.krill.public_name,
                             f"the Krill proxy gets its certificate from the lab's ACME CA, which reaches only "
                             f"names the lab defines; valid in a lab world: {LAB_KRILL_PUBLIC_NAME}")

    def _backup_checks(self) -> Iterator[KeyedError]:
        if self.krill.restore_snapshot is not None and self.backup is None:
            yield KeyedError(("krill", "restore_snapshot"), self.krill.restore_snapshot,
                             "there is nothing to restore it from: set backup (backup.password at least) or remove "
                             "krill.restore_snapshot")
        if self.krill.restore_snapshot is not None and self.krill.new_ca:
            yield KeyedError(("krill", "new_ca"), True,
                             "asks for a new, empty CA while krill.restore_snapshot asks for a backup's: keep one")

    def _policy_checks(self) -> Iterator[KeyedError]:
        for i, a in enumerate(self.blackhole):
            ip = parse_ip(a)
            if not any(ip in n for n in self.networks):
                yield KeyedError(("blackhole", i), a,
                                 f"not inside any of prefixes {self.prefixes}; only your own space can be blackholed")
        if self.blackhole and not any(u.blackhole for u in self.upstreams):
            yield KeyedError(("blackhole",), self.blackhole,
                             "no upstream accepts blackholes, so nothing would be announced; set "
                             "upstreams[N].blackhole: true for each upstream that takes RFC 7999 routes from you")
        if self.faces_lab:
            yield from self._lab_second_upstream()
            up = self.upstreams[0]
            if up.neighbor_ip.version == 6 and up.neighbor_ip not in ipaddress.ip_network(LAB_TRANSIT_LINK6):
                yield KeyedError(("upstreams", 0, "neighbor"), up.neighbor,
                                 f"in a lab world an IPv6 session goes to transit on its link to gw, "
                                 f"{LAB_TRANSIT_LINK6}: e.g. 2001:db8:ffff:2::1")
        for i, up in enumerate(self.upstreams):
            if up.import_ == "full" and self.validator is None:
                yield KeyedError(("validator",), MISSING,
                                 f"upstreams[{i}] ({up.name}) has import full: name the RTR cache that validates "
                                 "what it sends, e.g. validator: {address: 2001:db8::53, port: 3323}; "
                                 "INVALID routes are then rejected")

    def _lab_second_upstream(self) -> Iterator[KeyedError]:
        """A lab world has transit (upstreams[0]) and can give vps one more
        upstream: the peer AS, directly, on a link of its own."""
        for i, up in enumerate(self.upstreams[1:], 1):
            if i > 1:
                yield KeyedError(("upstreams", i), up.name,
                                 "a lab world has two upstreams at most: transit, then the peer AS64497")
                continue
            if up.asn != LAB_PEER_ASN:
                yield KeyedError(("upstreams", i, "asn"), up.asn,
                                 f"a lab world's second upstream is its peer AS, AS{LAB_PEER_ASN}")
            if up.neighbor != LAB_PEER_NEIGHBOR or up.multihop:
                yield KeyedError(("upstreams", i, "neighbor"), up.neighbor,
                                 f"AS{LAB_PEER_ASN}'s router is {LAB_PEER_NEIGHBOR}, directly on its link to vps "
                                 "(no multihop)")
            if up.blackhole:
                yield KeyedError(("upstreams", i, "blackhole"), up.blackhole,
                                 f"the lab's AS{LAB_PEER_ASN} takes no blackholes: it has no RTR session to check "
                                 "them against, and a transit takes none unchecked; only transit does")
            if self.hosts["vps"].kind != "lab":
                yield KeyedError(("upstreams", i), up.name,
                                 "a second upstream needs its own link to vps, and a guest vps has one lab NIC; "
                                 "only the lab stack (vps kind lab) has it")

    def _irr_matches_rpki(self) -> Iterator[KeyedError]:
        """Route objects (one per announced prefix, origin `asn`) and ROAs
        must say the same thing: a transit filtering by either drops what
        the other one alone allows."""
        assert self.irr is not None
        set_asn = self.irr.as_set.split(":")[0] if self.irr.as_set and ":" in self.irr.as_set else None
        if set_asn and set_asn != f"AS{self.asn}":
            yield KeyedError(("irr", "as_set"), self.irr.as_set,
                             f"a hierarchical as-set is named after its owner: AS{self.asn}:{self.irr.as_set.split(':')[1]}")
        # (A ROA outside every announced prefix is refused for any stack.)
        for i, roa in enumerate(self.roas):
            if self.roa_origin(roa) != self.asn:
                yield KeyedError(("roas", i, "origin"), roa.origin,
                                 f"authorises AS{roa.origin} for {roa.prefix}, but the route objects the stack "
                                 f"registers say AS{self.asn}; a transit filtering by both would drop the route")
        for n, prefix in enumerate(self.networks):
            covering = [r for r in self.roas if r.net.version == prefix.version and prefix.subnet_of(r.net)
                        and r.effective_max_length >= prefix.prefixlen]
            if not any(self.roa_origin(r) == self.asn for r in covering):
                yield KeyedError(("prefixes", n), str(prefix),
                                 f"its route object says origin AS{self.asn}, but no ROA authorises AS{self.asn} for "
                                 f"{prefix}; add roas: [{{prefix: {prefix}}}] so RPKI and the registry agree")

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

    def in_maintenance(self, up: Upstream) -> bool:
        return self.maintenance or up.maintenance

    @property
    def validates_imports(self) -> bool:
        """ROV runs on the user's edge when a validator is named and some
        upstream sends routes."""
        return self.validator is not None and any(u.import_ != "none" for u in self.upstreams)

    @property
    def is_lab(self) -> bool:
        """Every host is a lab container (the `lab` stack)."""
        return all(h.kind == "lab" for h in self.hosts.values())

    @property
    def krill_by_acme(self) -> bool:
        """The Krill proxy's certificate comes by ACME where the stack owns
        home's port 80 and the CA can reach it there: `acme` is set, the
        proxy holds port 80, and it listens beyond loopback. Otherwise (a
        home whose :80 is another server's, or a proxy on loopback only) it
        stays with the stack's own CA."""
        proxy = self.krill.proxy
        return (self.acme is not None and proxy.http_port == 80
                and any(not ipaddress.ip_address(a).is_loopback for a in proxy.listen))

    @property
    def faces_lab(self) -> bool:
        """The stack faces a lab world (`lab_world`), whatever its hosts' kinds."""
        return self.lab_world

    def emulated(self, host: str) -> bool:
        """`host` is an emulated machine: a real Debian reached over SSH
        (`kind: ssh`) inside a lab world, which only the vmlab's QEMU guests
        are. Under TCG every exec costs about 2.5 s of a vCPU (a `docker
        exec` on the 1-vCPU vps, measured 2026-12-06), so what polls on a
        timer there polls less often."""
        spec = self.hosts.get(host)
        return self.faces_lab and spec is not None and spec.kind == "ssh"

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
        if self.faces_lab and self.monitoring is not None and self.monitoring.webhook_url is not None:
            out.append("monitoring.webhook_url is not used: a lab world delivers alerts to its own receiver "
                       "(the webhook on lab host client)")
        return out
