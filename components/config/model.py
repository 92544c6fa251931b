"""The stack config as strict pydantic models: one class per config object.

Key names are the user-facing ones from DESIGN.md; renaming one breaks users.
Validators raise ValueError with the why and what would be valid; errors.py
adds the key and the value. Lab-ness (every host is `kind: lab`) is decided
from the raw hosts before validation and passed in the validation context,
because it changes which ASNs are acceptable.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr, ValidationInfo, field_validator, model_validator
from typing import Annotated

from .asn import asn_problem
from .errors import KeyedError
from .prefixes import IPNetwork, announceable, parse_ip, parse_prefix

TCP_MD5_MAX_KEY = 80  # RFC 2385 keys are limited to 80 bytes by Linux
BIRD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,31}$")


# A prefix the user announces: valid, no host bits, short enough to propagate.
AnnouncedPrefix = Annotated[str, AfterValidator(lambda v: str(announceable(parse_prefix(v))))]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def _check_asn(value: int, info: ValidationInfo) -> int:
    problem = asn_problem(value, lab=bool((info.context or {}).get("lab")))
    if problem:
        raise ValueError(problem)
    return value


class Upstream(Strict):
    """One BGP session to a transit provider."""

    name: str
    asn: int
    neighbor: str
    source: str | None = None
    multihop: int | None = Field(default=None)
    password: SecretStr | None = None
    import_: Literal["none", "default", "full"] = Field(default="none", alias="import")
    # IPv6 next hop to announce when the session runs over IPv4.
    next_hop6: str | None = None
    # Upper bound on accepted routes for import: full (a table is ~220k today).
    max_prefixes: int = Field(default=300000, ge=1)
    # First hop toward the upstream (the provider's router) per family. BIRD
    # resolves the next hops of learned routes through it; needed with
    # import default|full on a multihop session.
    gateway4: str | None = None
    gateway6: str | None = None
    # BGP hold time in seconds; None keeps BIRD's 240 s default.
    hold_time: int | None = None

    _asn = field_validator("asn")(_check_asn)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not BIRD_NAME.match(v):
            raise ValueError("must be a BIRD protocol name: a letter or _, then letters, digits or _, at most 32")
        return v

    @field_validator("neighbor", "source")
    @classmethod
    def _ip(cls, v: str | None) -> str | None:
        return None if v is None else str(parse_ip(v))

    @field_validator("next_hop6", "gateway6")
    @classmethod
    def _ip6(cls, v: str | None) -> str | None:
        return None if v is None else str(parse_ip(v, 6))

    @field_validator("gateway4")
    @classmethod
    def _ip4(cls, v: str | None) -> str | None:
        return None if v is None else str(parse_ip(v, 4))

    @field_validator("hold_time")
    @classmethod
    def _hold_time(cls, v: int | None) -> int | None:
        if v is not None and not 3 <= v <= 65535:
            raise ValueError("must be 3..65535 seconds (RFC 4271), or omitted for BIRD's 240")
        return v

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
        if len(v.encode()) > TCP_MD5_MAX_KEY:
            raise ValueError(f"is {len(v.encode())} bytes; TCP-MD5 keys are at most {TCP_MD5_MAX_KEY}")
        if '"' in v or "\\" in v:
            raise ValueError('must not contain " or \\ (BIRD quotes the password)')
        return v

    @property
    def neighbor_ip(self) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
        return ipaddress.ip_address(self.neighbor)


class Roa(Strict):
    """A route origin authorization the user's Krill CA signs."""

    prefix: str
    max_length: int | None = None
    origin: int | None = None  # defaults to the stack's asn

    @field_validator("origin")
    @classmethod
    def _origin(cls, v: int | None, info: ValidationInfo) -> int | None:
        return v if v is None else _check_asn(v, info)

    @field_validator("prefix")
    @classmethod
    def _prefix(cls, v: str) -> str:
        return str(parse_prefix(v))

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
    """Where a role runs: a lab container made by the stack, or a real host over SSH."""

    kind: Literal["lab", "ssh"]
    address: str | None = None
    user: str = "root"
    port: int = Field(default=22, ge=1, le=65535)
    # Path on the machine running pulumi to the SSH private key for this host.
    key_file: str | None = None
    arch: Literal["amd64", "arm64"] = "amd64"

    @model_validator(mode="after")
    def _address(self) -> Host:
        if self.kind == "ssh" and not self.address:
            raise KeyedError(("address",), self.address, "kind ssh needs an address (IP or DNS name of the host)")
        if self.kind == "lab" and self.address:
            raise KeyedError(("address",), self.address, "kind lab takes no address: the stack creates the host")
        return self


class Krill(Strict):
    handle: str = "personal"
    # Prod onboarding with a parent reached through a portal: the RFC 8183
    # responses it gives back, as files on the machine running pulumi.
    parent_response_file: str | None = None
    repository_response_file: str | None = None
    # Optional: without it the stack generates one and keeps it in the state.
    admin_token: SecretStr | None = None

    @field_validator("admin_token", mode="before")
    @classmethod
    def _token(cls, v: object, info: ValidationInfo) -> object:
        if v is None:
            return v
        if "krill" not in (info.context or {}).get("secret_keys", set()):
            raise ValueError("must be a Pulumi secret: pulumi config set --secret --path 'krill.admin_token' <value>")
        if not isinstance(v, str) or len(v) < 16 or '"' in v or "\\" in v:
            raise ValueError("must be a string of at least 16 characters without quotes or backslashes")
        return v

    @field_validator("handle")
    @classmethod
    def _handle(cls, v: str) -> str:
        if not re.match(r"^[A-Za-z0-9_-]{1,64}$", v):
            raise ValueError("must be 1..64 letters, digits, - or _ (a Krill CA handle)")
        return v
