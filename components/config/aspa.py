"""The `aspa` section: the user's ASPA (Autonomous System Provider
Authorization), which the user's Krill CA signs. It names the ASes that may
carry the user's routes upward, so that a validator elsewhere can tell a
leak or a forged path from a real one.

Its provider set is derived, not typed twice: every upstream the user is a
customer of (`upstreams[].role` is `customer` or unset) by the ASN the world
sees on the path (`path_asn` where the session ASN is private), plus the
`providers` listed here. `aspa: false` opts out: the stack then leaves the
CA's ASPAs alone.
"""

from __future__ import annotations

from pydantic import Field, ValidationInfo, field_validator

from .asn import asn_problem, is_private
from .model import Strict, faces_lab

# The roles, the user's own toward an upstream (RFC 9234), that make the
# upstream the user's provider. None is a session that sends no role: a
# transit, as the role's default says.
PROVIDER_ROLES = ("customer", None)
# An ASPA with no provider at all names AS0 (the ASPA profile): "this AS
# has no provider", so every path through an upstream of it is invalid.
NO_PROVIDER = 0


class Aspa(Strict):
    providers: list[int] = Field(
        default_factory=list,
        description="Providers beyond this stack's upstreams, such as a backup transit with a session elsewhere: "
                    "each a public ASN (documentation ASNs in a lab world). The upstreams you are a customer of "
                    "are in the ASPA already.",
        examples=[[64511]])

    @field_validator("providers")
    @classmethod
    def _providers(cls, v: list[int], info: ValidationInfo) -> list[int]:
        for asn in v:
            problem = asn_problem(asn, lab_world=faces_lab(info))
            if problem:
                raise ValueError(f"{asn}: {problem}")
        if len(set(v)) != len(v):
            raise ValueError(f"lists an ASN twice: {sorted(a for a in set(v) if v.count(a) > 1)}")
        return v


def provider_set(asn: int, upstreams, aspa: Aspa) -> tuple[int, ...]:
    """The ASPA's providers, ascending (as the ASPA profile orders them):
    the upstreams the user buys transit from, by their path ASN, and the
    listed ones; AS0 when there is none."""
    derived = {u.public_asn for u in upstreams if u.role in PROVIDER_ROLES and not is_private(u.public_asn)}
    providers = (derived | set(aspa.providers)) - {asn}
    return tuple(sorted(providers)) or (NO_PROVIDER,)
