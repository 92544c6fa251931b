"""The stack config as strict pydantic models: one class per config object.

Key names are user-facing (docs/reference/config.md is made from these models); renaming one breaks users.
Validators raise ValueError with the why and what would be valid; errors.py
adds the key and the value.

Validation context (built by load.validate):
- `lab_world`: whether the stack faces a lab world (world.py), decided from
  the raw config before validation because it changes which ASNs, prefixes
  and host keys are acceptable.
- `secret_keys`: the top-level keys Pulumi holds as secrets.
- `check_files`: whether files named by the config (hosts.*.key_file) must
  exist on this machine; default True. Only tests pass False, to validate
  example stacks whose files live on the user's machine.
- `build_arch`: the architecture of this machine, which runs `pulumi` and
  builds the images (arch.py says for which hosts); default: its own.
"""

from __future__ import annotations

import ipaddress
import os
import re
from typing import Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr, ValidationInfo, field_validator, model_validator
from typing import Annotated

from .arch import buildable, machine_arch
from .bgp_policy import Role
from .asn import asn_problem, is_private
from .errors import MISSING, KeyedError
from .names import (
    check_key_file, parse_dns_name, parse_host_address, parse_host_key, parse_ifname, parse_listen_address,
    parse_posix_user,
)
from .prefixes import IPNetwork, announceable, parse_endpoint, parse_prefix, usable_prefix
from .world import LAB_WORLD_HINT

TCP_MD5_MAX_KEY = 80  # RFC 2385 keys are limited to 80 bytes by Linux
BIRD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,31}$")
LAB_KRILL_PUBLIC_NAME = "krill.home.lab"


def faces_lab(info: ValidationInfo) -> bool:
    """The `lab_world` validation flag (see the module docstring)."""
    return bool((info.context or {}).get("lab_world"))


def check_files(info: ValidationInfo) -> bool:
    """The `check_files` validation flag; True unless a test turned it off."""
    return bool((info.context or {}).get("check_files", True))


def build_arch(info: ValidationInfo) -> str:
    """The `build_arch` validation flag: the architecture of this machine."""
    return (info.context or {}).get("build_arch") or machine_arch()


def _announced(value: str, info: ValidationInfo) -> str:
    return str(announceable(usable_prefix(parse_prefix(value), faces_lab(info))))


# A prefix the user announces: valid, no host bits, not special-purpose space
# (documentation space only in a lab world), short enough to propagate.
AnnouncedPrefix = Annotated[str, AfterValidator(_announced)]
# A pinned SSH host key, "<keytype> <base64>".
HostKey = Annotated[str, AfterValidator(parse_host_key)]
# An address a listener binds, normalised.
ListenAddress = Annotated[str, AfterValidator(lambda v: str(parse_listen_address(v)))]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def _check_asn(value: int, info: ValidationInfo) -> int:
    problem = asn_problem(value, lab_world=faces_lab(info))
    if problem:
        raise ValueError(problem)
    return value


def tcp_port(value: int) -> int:
    if not 1 <= value <= 65535:
        raise ValueError("must be a TCP port, 1..65535")
    return value


def _check_session_asn(value: int, info: ValidationInfo) -> int:
    """An upstream's session ASN: a private one too, since providers that
    use one (Vultr's 64515) strip it; `path_asn` then says what the world sees."""
    problem = asn_problem(value, lab_world=faces_lab(info), private_ok=True)
    if problem:
        raise ValueError(problem)
    return value


class MaxPrefixes(Strict):
    """Import limits per address family, sized for today's full tables
    (about 1.05M IPv4 and 230k IPv6 routes in 2026) with headroom."""

    ipv4: int = Field(default=1_500_000, ge=1, description="The most IPv4 routes accepted from the upstream.")
    ipv6: int = Field(default=400_000, ge=1, description="The most IPv6 routes accepted from the upstream.")

    def of(self, version: int) -> int:
        return self.ipv6 if version == 6 else self.ipv4


class Upstream(Strict):
    """One BGP session to a transit provider."""

    name: str = Field(
        description="The session's name, unique among upstreams: a BIRD protocol name (a letter or `_`, then "
                    "letters, digits or `_`, at most 32 characters). BIRD, the metrics and the alerts name the "
                    "session by it.",
        examples=["transit"])
    asn: int = Field(
        description="The AS number the upstream speaks on the session (BIRD's `neighbor ... as`). It may be private "
                    "(RFC 6996) where the provider strips it; set `path_asn` then.",
        examples=[53667])
    path_asn: int | None = Field(
        default=None,
        description="The public ASN the provider puts in the AS path where `asn` is private (Vultr: session 64515, "
                    "paths 20473); the registry's aut-num policy names it, never a private ASN. Default: `asn`; "
                    "required outside a lab world when `asn` is private.")
    neighbor: str = Field(description="The IP address of the upstream's BGP router, the far end of the session: "
                                      "one per upstream, never inside your own `prefixes`; link-local is fine "
                                      "(Vultr's is 169.254.169.254).",
                          examples=["198.51.100.1"])
    source: str | None = Field(
        default=None,
        description="The VPS's own address the session is sourced from (BIRD's `source address`), of the "
                    "neighbor's family. Default: `router_id` for an IPv4 session; BIRD's choice for an IPv6 one.",
        examples=["192.0.2.10"])
    multihop: int | None = Field(
        default=None,
        description="For a neighbor that is not directly connected: the TTL hops to it (eBGP multihop, 1..255). "
                    "Unset: a direct session.",
        examples=[2])
    password: SecretStr | None = Field(
        default=None,
        description="The session's TCP-MD5 (RFC 2385) password, at most 80 bytes and without `\"` or `\\`, set as a "
                    "Pulumi secret. Unset: no TCP-MD5.")
    import_: Literal["none", "default", "full"] = Field(
        default="none", alias="import",
        description="What the router accepts from this upstream: `none` (nothing), `default` (a default route "
                    "only) or `full` (the whole table, without bogons, your own prefixes or, with a `validator`, "
                    "RPKI-invalid routes). Only a learned default route is installed in the kernel.",
        examples=["default"])
    next_hop6: str | None = Field(
        default=None,
        description="The IPv6 next hop to announce when the session runs over IPv4: the VPS's own global IPv6 "
                    "address on its uplink. Required then if you announce IPv6 prefixes, or BIRD announces nothing.",
        examples=["2001:db8:53::10"])
    max_prefixes: MaxPrefixes = Field(
        default_factory=lambda: MaxPrefixes(),
        description="With `import: full`: the most routes accepted from this upstream, per address family. Beyond "
                    "it BIRD refuses further routes (`import limit ... action block`): the session stays up and your "
                    "prefixes stay announced, the default route covers what is missing, and the alert "
                    "ImportLimitHit fires. Never a session restart. A single number sets both families.",
        examples=[{"ipv4": 1500000, "ipv6": 400000}])

    @field_validator("max_prefixes", mode="before")
    @classmethod
    def _one_number_for_both(cls, v: object) -> object:
        if isinstance(v, int) and not isinstance(v, bool):
            return {"ipv4": v, "ipv6": v}
        return v
    # BIRD resolves the next hops of learned routes through gateway4/6: they
    # are the upstream's, not on a link of the VPS.
    gateway4: str | None = Field(
        default=None,
        description="The first IPv4 hop toward the upstream (the provider's router), through which BIRD resolves "
                    "the next hops of learned routes; needed with `import` `default` or `full` on a multihop session.",
        examples=["192.0.2.1"])
    gateway6: str | None = Field(
        default=None,
        description="The first IPv6 hop toward the upstream (the provider's router), through which BIRD resolves "
                    "the next hops of learned routes; needed with `import` `default` or `full` on a multihop session.",
        examples=["2001:db8:53::1"])
    hold_time: int | None = Field(
        default=None,
        description="The BGP hold time in seconds (3..65535); the keepalive is a third of it. Unset: BIRD's "
                    "default of 240 s.",
        examples=[90])
    role: Role | None = Field(
        default="customer",
        description="Your own side of the session under RFC 9234 (BIRD's `local role`): `customer` (of a transit, "
                    "the default), `provider`, `peer`, `rs_client` or `rs_server`. `null` sends no role, for a "
                    "provider that does not support it.")
    bfd: bool = Field(
        default=False,
        description="Run BFD on this session (300 ms x 3), so a dead path is noticed in under a second instead of "
                    "after the hold time; only if the provider runs BFD with you.")
    blackhole: bool = Field(
        default=False,
        description="This upstream accepts RFC 7999 blackhole routes from you: the addresses in `blackhole` are "
                    "announced to it with the BLACKHOLE and NO_EXPORT communities.")
    maintenance: bool = Field(
        default=False,
        description="Announce to this upstream with GRACEFUL_SHUTDOWN (RFC 8326) before planned work on its "
                    "session; `up` then waits `drain_time`.")

    _asn = field_validator("asn")(_check_session_asn)
    _path_asn = field_validator("path_asn")(_check_asn)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not BIRD_NAME.fullmatch(v):
            raise ValueError("must be a BIRD protocol name: a letter or _, then letters, digits or _, at most 32")
        return v

    # Session ends and next hops: no unspecified, multicast or loopback address.
    @field_validator("neighbor", "source")
    @classmethod
    def _ip(cls, v: str | None) -> str | None:
        return None if v is None else str(parse_endpoint(v))

    @field_validator("next_hop6", "gateway6")
    @classmethod
    def _ip6(cls, v: str | None) -> str | None:
        return None if v is None else str(parse_endpoint(v, 6))

    @field_validator("gateway4")
    @classmethod
    def _ip4(cls, v: str | None) -> str | None:
        return None if v is None else str(parse_endpoint(v, 4))

    @field_validator("hold_time")
    @classmethod
    def _hold_time(cls, v: int | None) -> int | None:
        if v is not None and not 3 <= v <= 65535:
            raise ValueError("must be 3..65535 seconds (RFC 4271), or omitted for BIRD's 240")
        return v

    @model_validator(mode="after")
    def _source_of_the_neighbors_family(self) -> Upstream:
        if self.source is not None and ipaddress.ip_address(self.source).version != self.neighbor_ip.version:
            raise KeyedError(("source",), self.source,
                             f"the session to {self.neighbor} runs over IPv{self.neighbor_ip.version}: its source "
                             "address must be your VPS's address of that family")
        return self

    @model_validator(mode="after")
    def _public_path_asn(self, info: ValidationInfo) -> Upstream:
        if self.path_asn is None and is_private(self.asn) and not faces_lab(info):
            raise KeyedError(("path_asn",), MISSING,
                             f"asn {self.asn} is private (RFC 6996): the provider strips it, and the AS path shows "
                             "its public ASN instead. Set path_asn to that one (Vultr: 20473); the registry's "
                             "aut-num policy names it")
        return self

    @property
    def public_asn(self) -> int:
        """The upstream's ASN as the rest of the internet sees it."""
        return self.path_asn if self.path_asn is not None else self.asn

    @model_validator(mode="after")
    def _learned_routes_resolvable(self) -> Upstream:
        if self.import_ != "none" and self.multihop and not (self.gateway4 or self.gateway6):
            raise KeyedError(("import",), self.import_,
                             f"import {self.import_} over a multihop session needs gateway6 (and gateway4 for "
                             "IPv4): the first hop BIRD resolves learned next hops through")
        return self

    def gateway(self, version: int) -> str | None:
        return self.gateway6 if version == 6 else self.gateway4

    @field_validator("multihop")
    @classmethod
    def _multihop(cls, v: int | None) -> int | None:
        if v is not None and not 1 <= v <= 255:
            raise ValueError("must be 1..255 (the TTL hops to the neighbor; omit it for a direct session)")
        return v

    @field_validator("password", mode="before")
    @classmethod
    def _password(cls, v: object, info: ValidationInfo) -> object:
        if v is None:
            return v
        if not isinstance(v, str):
            raise ValueError("must be a string")
        if "upstreams" not in (info.context or {}).get("secret_keys", set()):
            raise ValueError(
                "must be a Pulumi secret: pulumi config set --secret --path 'upstreams[N].password' <value>"
            )
        if not v.strip():
            raise ValueError("is empty or only whitespace: Linux takes a zero-length TCP-MD5 key as no key, so the "
                             "session would run unauthenticated; set the password your provider gave you, or unset "
                             "the key for a session without TCP-MD5")
        if v != v.strip():
            raise ValueError("starts or ends with whitespace, which your provider's router would not count as part "
                             "of the password (a copy-and-paste slip?); set it without")
        if len(v.encode()) > TCP_MD5_MAX_KEY:
            raise ValueError(f"is {len(v.encode())} bytes; TCP-MD5 keys are at most {TCP_MD5_MAX_KEY}")
        if '"' in v or "\\" in v:
            raise ValueError('must not contain " or \\ (BIRD quotes the password)')
        return v

    @property
    def neighbor_ip(self) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
        return ipaddress.ip_address(self.neighbor)


class RpkiValidator(Strict):
    """The RTR cache the user's router asks for validated ROA payloads."""

    address: str = Field(description="The RTR cache's IP address.", examples=["2001:db8::53"])
    port: int = Field(default=3323, description="The RTR cache's TCP port.")
    local_address: str | None = Field(
        default=None,
        description="The address of your router the RTR session comes from (BIRD's `local address`, BIRD 2.15 "
                    "and later): set it when your VPS has several addresses and the validator admits only one. "
                    "It must be an address of the VPS, of the same family as `address`. Unset: the kernel picks "
                    "the source, which on Linux is the address added last.",
        examples=["2001:db8:ffff:1::11"])

    _port = field_validator("port")(tcp_port)

    @field_validator("address")
    @classmethod
    def _address(cls, v: str) -> str:
        return str(parse_endpoint(v))

    @field_validator("local_address")
    @classmethod
    def _local_address(cls, v: str | None, info: ValidationInfo) -> str | None:
        if v is None:
            return None
        local = parse_endpoint(v)
        remote = info.data.get("address")
        if remote is not None and ipaddress.ip_address(remote).version != local.version:
            raise ValueError(f"{local} and the validator's address {remote} are of different families; the RTR "
                             f"session runs over one: give an IPv{ipaddress.ip_address(remote).version} address "
                             "of your VPS")
        return str(local)


class Roa(Strict):
    """A route origin authorization the user's Krill CA signs."""

    prefix: str = Field(description="The prefix the ROA covers, inside one of the stack's prefixes.",
                        examples=["2001:db8:362::/48"])
    max_length: int | None = Field(
        default=None,
        description="The longest prefix length the ROA allows, from the prefix's own length up to 128 (32 for "
                    "IPv4). Unset: the prefix's own length, as RFC 9319 advises.",
        examples=[48])
    origin: int | None = Field(
        default=None,
        description="The AS the ROA authorises to originate the prefix. Unset: the stack's `asn`; with `irr` set it "
                    "must be that one.")

    @field_validator("origin")
    @classmethod
    def _origin(cls, v: int | None, info: ValidationInfo) -> int | None:
        return v if v is None else _check_asn(v, info)

    @field_validator("prefix")
    @classmethod
    def _prefix(cls, v: str, info: ValidationInfo) -> str:
        return str(usable_prefix(parse_prefix(v), faces_lab(info)))

    @field_validator("max_length")
    @classmethod
    def _max_length(cls, v: int | None, info: ValidationInfo) -> int | None:
        prefix = info.data.get("prefix")
        if v is None or prefix is None:  # a bad prefix is reported on its own
            return v
        net = ipaddress.ip_network(prefix)
        top = 32 if net.version == 4 else 128
        if not net.prefixlen <= v <= top:
            raise ValueError(f"must be between the prefix length {net.prefixlen} and {top} for {prefix}")
        return v

    @property
    def net(self) -> IPNetwork:
        return ipaddress.ip_network(self.prefix)

    @property
    def effective_max_length(self) -> int:
        return self.max_length if self.max_length is not None else self.net.prefixlen


class Host(Strict):
    """Where a role runs: a lab container made by the stack (`kind: lab`), or
    a real machine reached over SSH (`kind: ssh`).

    A lab host only exists in a lab world. A `kind: ssh` host in a lab world
    (e.g. a VM) is cabled into it through `lab_cable`.
    """

    kind: Literal["lab", "ssh"] = Field(
        description="`lab`: a container the stack makes on this machine (only in a lab world); `ssh`: a real machine "
                    "the stack reaches over SSH.",
        examples=["ssh"])
    address: str | None = Field(
        default=None,
        description="The host's IP address or DNS host name (RFC 1123), nothing else (no user@, port or URL). "
                    "Required for `kind: ssh`; a `kind: lab` host takes none.",
        examples=["192.0.2.10"])
    user: str = Field(default="root",
                      description="For `kind: ssh`: the POSIX user the stack logs in as; a user other than root works "
                                  "through sudo.",
                      examples=["debian"])
    port: int = Field(default=22, ge=1, le=65535, description="For `kind: ssh`: the host's SSH port.")
    key_file: str | None = Field(
        default=None,
        description="For `kind: ssh`: the path, on the machine running pulumi, to the SSH private key for this "
                    "host (`~` is expanded); it must exist and be readable. Unset: ssh-agent.",
        examples=["~/.ssh/id_ed25519"])
    known_hosts: list[HostKey] | None = Field(
        default=None, min_length=1,
        description="For `kind: ssh`: the host's public keys to pin, each `\"<keytype> <base64>\"`. Unset: the "
                    "stack records the key on first contact.")
    lab_cable: str | None = Field(
        default=None,
        description="Only for a `kind: ssh` host in a lab world (e.g. a VM): the name of this machine's bridge the "
                    "guest's lab NIC sits on.",
        examples=["br-lab0"])
    arch: Literal["amd64", "arm64"] = Field(
        default="amd64",
        description="The host's CPU architecture, which its images are built for (arm64 on an amd64 machine "
                    "after `make bootstrap-arm64`). A `kind: lab` host runs this machine's own.")

    @field_validator("address")
    @classmethod
    def _address_form(cls, v: str | None) -> str | None:
        return None if v is None else parse_host_address(v)

    @field_validator("user")
    @classmethod
    def _user(cls, v: str) -> str:
        return parse_posix_user(v)

    @field_validator("key_file")
    @classmethod
    def _key_file(cls, v: str | None, info: ValidationInfo) -> str | None:
        # On a kind lab host the model check below refuses it instead.
        if v is None or info.data.get("kind") != "ssh" or not check_files(info):
            return v
        return check_key_file(v)

    @field_validator("arch")
    @classmethod
    def _arch(cls, v: str, info: ValidationInfo) -> str:
        here = build_arch(info)
        if v not in buildable(here):
            # Refused here, before anything is touched: an image for another
            # architecture would only fail at `up`, with "exec format error".
            valid = " or ".join(repr(a) for a in buildable(here))
            raise ValueError(
                f"this machine ({here}) builds images for {valid} only (they are built where pulumi runs), "
                f"and an {here} image does not run on an {v} host. Run pulumi for this stack on a machine that "
                f"builds {v} images (an amd64 one, or an {v} one); or, if the host is {here}, set arch: {here}. "
                f"Valid here: {valid}")
        return v

    @field_validator("lab_cable")
    @classmethod
    def _lab_cable(cls, v: str | None) -> str | None:
        return None if v is None else parse_ifname(v)

    @model_validator(mode="after")
    def _kind_rules(self, info: ValidationInfo) -> Host:
        if self.kind == "ssh" and not self.address:
            raise KeyedError(("address",), self.address, "kind ssh needs an address (IP or DNS name of the host)")
        if self.kind == "lab":
            for key, why in (("address", "the stack creates the host"),
                             ("key_file", "the stack makes the host's SSH keys itself"),
                             ("known_hosts", "the stack makes the host's SSH keys itself"),
                             ("lab_cable", "the stack cables its lab hosts itself; lab_cable is for a kind ssh "
                                           "machine in a lab world")):
                if getattr(self, key) is not None:
                    raise KeyedError((key,), getattr(self, key), f"kind lab takes no {key}: {why}")
            if "arch" in self.model_fields_set and self.arch != build_arch(info):
                raise KeyedError(("arch",), self.arch, f"a kind lab host is a container on this machine, so it runs "
                                                       f"this machine's architecture ({build_arch(info)}); drop arch")
            if not faces_lab(info):
                raise KeyedError(("kind",), self.kind,
                                 "a kind lab host only exists in a lab world, and this stack does not face one "
                                 "(lab_world: false, or unset while not every host is kind lab); make every host "
                                 "kind lab, set lab_world: true, or make this host kind ssh")
        if self.lab_cable is not None and not faces_lab(info):
            raise KeyedError(("lab_cable",), self.lab_cable,
                             "only a kind ssh host in a lab world is cabled to it, and this stack does not face one "
                             f"({LAB_WORLD_HINT}); drop lab_cable")
        return self


class KrillProxy(Strict):
    """The TLS proxy in front of the user's Krill (UI and API)."""

    listen: list[ListenAddress] = Field(
        default_factory=lambda: ["127.0.0.1", "::1"], min_length=1,
        description="The addresses the proxy binds on home: loopback by default; add a LAN address to reach Krill "
                    "from other machines, never a public one.",
        examples=[["127.0.0.1", "::1", "192.0.2.20"]])
    allow_from: list[str] | None = Field(
        default=None,
        description="Who may connect to the proxy's ports from outside home: prefixes (IPv4 or IPv6), enforced in "
                    "home's firewall; loopback always may. Required when `listen` has `::`, `0.0.0.0` or a public "
                    "address, which would otherwise put Krill's API and the status page on the internet behind a "
                    "token and a password. Optional for loopback and LAN addresses; when set, it holds there too.",
        examples=[["192.168.1.0/24", "fd00:1::/64"]])
    https_port: int = Field(default=443, description="The port the proxy serves Krill's UI and API on, over HTTPS.")
    http_port: int | None = Field(
        default=80,
        description="The plain-HTTP listener's port, which redirects to HTTPS (and answers the ACME CA's HTTP-01 "
                    "challenge when the proxy's certificate comes by ACME). `null`: none, for a box whose port 80 is "
                    "taken.")

    @field_validator("https_port")
    @classmethod
    def _https_port(cls, v: int) -> int:
        return tcp_port(v)

    @field_validator("http_port")
    @classmethod
    def _http_port(cls, v: int | None) -> int | None:
        return None if v is None else tcp_port(v)

    @field_validator("listen")
    @classmethod
    def _listen_once(cls, v: list[str]) -> list[str]:
        for i, ip in enumerate(v):
            if ip in v[:i]:
                raise KeyedError((i,), ip, f"{ip} is listed twice; list each address once")
        return v

    @field_validator("allow_from")
    @classmethod
    def _allow_from(cls, v: list[str] | None) -> list[str] | None:
        if v is None:
            return v
        if not v:
            raise ValueError("is empty: list the prefixes that may connect, or leave allow_from out")
        out = []
        for i, text in enumerate(v):
            try:
                out.append(str(parse_prefix(text)))
            except ValueError as err:
                raise KeyedError((i,), text, str(err)) from None
        return out

    @model_validator(mode="after")
    def _distinct_ports(self) -> KrillProxy:
        if self.http_port == self.https_port:
            raise KeyedError(("http_port",), self.http_port,
                             "is https_port too; the HTTP redirect needs its own port (usually 80), or null for none")
        return self

    @model_validator(mode="after")
    def _exposure_is_chosen(self) -> KrillProxy:
        # A LAN or loopback address is reached only from where the box's own
        # network lets it be; `::`, `0.0.0.0` or a public address face
        # whatever reaches home, the internet included.
        for i, text in enumerate(self.listen):
            ip = ipaddress.ip_address(text)
            beyond = ip.is_unspecified or not (ip.is_loopback or ip.is_private or ip.is_link_local)
            if beyond and self.allow_from is None:
                what = "every address of home" if ip.is_unspecified else "a public address"
                raise KeyedError(("listen", i), text,
                                 f"binds {what}: Krill's API and the status page would face the internet behind a "
                                 "token and a password. List who may connect in krill.proxy.allow_from "
                                 "(e.g. your LAN's prefixes), or listen on loopback or LAN addresses only")
        return self

    def proxy_ports(self) -> tuple[int, ...]:
        return (self.https_port,) + ((self.http_port,) if self.http_port is not None else ())


class Krill(Strict):
    """The user's Krill CA on `home`."""

    handle: str = Field(default="personal",
                        description="The handle of the user's CA in Krill, the name its parent and repository know "
                                    "it by: 1..64 letters, digits, `-` or `_`.",
                        examples=["example-as"])
    public_name: str | None = Field(
        default=None, validate_default=True,
        description="The DNS name the Krill UI/API and its TLS proxy's certificate answer at. Required outside a "
                    f"lab world; in one it is `{LAB_KRILL_PUBLIC_NAME}`.",
        examples=["krill.example.net"])
    listen: ListenAddress = Field(default="127.0.0.1",
                                  description="The address Krill itself listens on, behind the proxy.")
    port: int = Field(default=3000,
                      description="Krill's own port, closed to the outside by home's firewall; move it when home "
                                  "already runs something on 3000 (Grafana, Gitea).")
    proxy: KrillProxy = Field(default_factory=KrillProxy,
                              description="The TLS proxy in front of Krill's UI and API (and the status page).")
    parent_response_file: str | None = Field(
        default=None,
        description="Prod onboarding: the path, on the machine running pulumi, of the RFC 8183 parent response XML "
                    "your parent's portal gave back. Unset: onboarding waits for it, and `up` says what to hand the "
                    "parent.",
        examples=["~/personal-as/parent-response.xml"])
    repository_response_file: str | None = Field(
        default=None,
        description="Prod onboarding: the path, on the machine running pulumi, of the RFC 8183 repository response "
                    "XML your repository gave back. Unset: onboarding waits for it, and `up` says what to hand the "
                    "repository.",
        examples=["~/personal-as/repository-response.xml"])
    admin_token: SecretStr | None = Field(
        default=None,
        description="Krill's admin API token, a Pulumi secret of at least 16 characters without quotes or "
                    "backslashes. Unset: the stack generates one and keeps it in its state.")
    restore_snapshot: str | None = Field(
        default=None,
        description="Restore this backup snapshot (its restic ID, as `docker exec <stack>-home-backup restic "
                    "snapshots` lists them, 8 to 64 hex digits) into Krill's data before Krill starts, replacing what is "
                    "there; the previous data is kept beside it. Needs `backup`. Unset: a home whose Krill data is "
                    "missing gets the newest snapshot.",
        examples=["4f2a9c1e"])
    new_ca: bool = Field(
        default=False,
        description="Make a new, empty CA on a home whose Krill data is missing even though backups exist: a new "
                    "CA must be onboarded with your parent again. Otherwise Krill's container does not start an "
                    "empty CA while a backup exists: it waits for the newest snapshot, and its log says so.")

    @field_validator("restore_snapshot")
    @classmethod
    def _restore_snapshot(cls, v: str | None) -> str | None:
        if v is not None and not re.fullmatch(r"[0-9a-f]{8,64}", v):
            raise ValueError("must be a restic snapshot ID: 8 to 64 lowercase hex digits")
        return v

    @field_validator("admin_token", mode="before")
    @classmethod
    def _token(cls, v: object, info: ValidationInfo) -> object:
        if v is None:
            return v
        if "krill" not in (info.context or {}).get("secret_keys", set()):
            raise ValueError("must be a Pulumi secret: pulumi config set --secret --path 'krill.admin_token' <value>")
        if not isinstance(v, str) or len(v.strip()) < 16 or '"' in v or "\\" in v:
            raise ValueError("must be a string of at least 16 characters (not counting blanks at its ends) "
                             "without quotes or backslashes")
        return v

    _krill_port = field_validator("port")(tcp_port)

    @field_validator("parent_response_file", "repository_response_file")
    @classmethod
    def _response_file(cls, v: str | None, info: ValidationInfo) -> str | None:
        if v is None or not check_files(info):
            return v
        path = os.path.expanduser(v)
        if not os.path.isfile(path):
            raise ValueError(f"{path} does not exist on the machine running pulumi; save the XML your parent's "
                             "portal gave back there, or leave the key unset until you have it (up then prints "
                             "what to hand the parent)")
        return v

    @field_validator("handle")
    @classmethod
    def _handle(cls, v: str) -> str:
        if not re.fullmatch(r"^[A-Za-z0-9_-]{1,64}$", v):
            raise ValueError("must be 1..64 letters, digits, - or _ (a Krill CA handle)")
        return v

    @field_validator("public_name")
    @classmethod
    def _public_name(cls, v: str | None, info: ValidationInfo) -> str:
        if v is None:
            if faces_lab(info):
                return LAB_KRILL_PUBLIC_NAME
            raise KeyedError((), MISSING, "set the name your Krill answers at, e.g. krill.example.net (its TLS "
                                          "certificate is made for that name)")
        return parse_dns_name(v, min_dots=1)
