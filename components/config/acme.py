"""The `acme` section: certificates from an ACME CA for route0's site.

In a lab world the CA is the lab's own pebble (host `acme`): its directory
is the only one allowed there, since a lab stack must never reach a real CA,
and route0's name must be one the lab's host entries resolve.
"""

from __future__ import annotations

import re

from pydantic import Field, ValidationInfo, field_validator

from .errors import MISSING, KeyedError
from .urls import url_problem
from .model import Strict, faces_lab
from .names import dns_name_problem

LETS_ENCRYPT = "https://acme-v02.api.letsencrypt.org/directory"
LAB_ACME_NAME = "acme.lab"
LAB_ACME_DIRECTORY = f"https://{LAB_ACME_NAME}:14000/dir"
LAB_ROUTE0_NAME = "route0.lab"
# Names the lab plan resolves on its hosts (lab_plan.py writes the entries).
LAB_SITE_NAMES = (LAB_ROUTE0_NAME,)
# RFC 5321's local part as mailboxes really use it: letters, digits and
# "._+-". The address is part of file paths on vps (lego keeps the account
# under accounts/<directory>/<email>/), which root scripts handle, so the
# shell's metacharacters (quotes, backticks, $, &, |, ...) never get in,
# although RFC 5322 allows them.
EMAIL_LOCAL = re.compile(r"[A-Za-z0-9_+-]+(\.[A-Za-z0-9_+-]+)*")


def parse_email(value: str) -> str:
    local, at, domain = value.rpartition("@")
    if not at or not local:
        raise ValueError("is not an email address; give the contact the CA writes to about expiry, e.g. noc@example.net")
    if len(local) > 64 or not EMAIL_LOCAL.fullmatch(local):
        raise ValueError(f"has local part {local!r}; use letters, digits and . _ + - only (the address becomes "
                         "part of file paths on your hosts), e.g. noc@example.net")
    problem = dns_name_problem(domain, min_dots=1)
    if problem:
        raise ValueError(f"has domain {domain!r}, which {problem}")
    return value


class Acme(Strict):
    """Where route0's certificate comes from, and when it is renewed."""

    directory: str | None = Field(
        default=None, validate_default=True,
        description="The https:// URL of the CA's ACME directory. Default: Let's Encrypt's production one; in a lab "
                    f"world only the lab's own CA (`{LAB_ACME_DIRECTORY}`) is allowed.")
    email: str = Field(description="The contact address the CA writes to about the certificate's expiry.",
                       examples=["noc@example.net"])
    route0_name: str | None = Field(
        default=None, validate_default=True,
        description="The DNS name route0's site answers at: its certificate is for this name, which must point at "
                    "route0's address for HTTP-01 to succeed. Required outside a lab world; in one it is "
                    f"`{LAB_ROUTE0_NAME}`.",
        examples=["www.example.net"])
    # lego, the ACME client, counts whole days.
    renew_days: int = Field(
        default=30, ge=1, le=365,
        description="Renew once no more than this many whole days are left: 30 renews a 90-day certificate when "
                    "fewer than 31 days remain.")
    check_interval: int = Field(
        default=43200, ge=5, le=86400,
        description="Seconds between the client's renewal checks; the default is 12 hours, as certbot's timer.")

    @field_validator("directory")
    @classmethod
    def _directory(cls, v: str | None, info: ValidationInfo) -> str:
        if faces_lab(info):
            if v not in (None, LAB_ACME_DIRECTORY):
                raise ValueError(f"a stack facing a lab world takes its certificates from the lab's own ACME CA "
                                 f"only ({LAB_ACME_DIRECTORY}), never a real one; drop acme.directory")
            return LAB_ACME_DIRECTORY
        if v is None:
            return LETS_ENCRYPT
        problem = url_problem(v, ("https",))
        if problem:
            raise ValueError(f"{problem}: the URL of an ACME directory, e.g. {LETS_ENCRYPT}")
        return v

    @field_validator("email")
    @classmethod
    def _email(cls, v: str) -> str:
        return parse_email(v)

    @field_validator("route0_name")
    @classmethod
    def _route0_name(cls, v: str | None, info: ValidationInfo) -> str:
        if v is None:
            if faces_lab(info):
                return LAB_ROUTE0_NAME
            raise KeyedError((), MISSING, "set the DNS name route0's site answers at, e.g. www.example.net; "
                                          "its AAAA record must point at route0's address")
        problem = dns_name_problem(v, min_dots=1)
        if problem:
            raise ValueError(problem)
        name = v.lower()
        if faces_lab(info) and name not in LAB_SITE_NAMES:
            raise ValueError(f"is not a name the lab defines, so the lab's CA could not reach it; "
                             f"valid in a lab world: {', '.join(LAB_SITE_NAMES)}")
        return name
