"""The `irr` section: the user's objects in a routing registry (RIPE's, or
the lab's own IRRd), from the few things only the user knows. Everything
else (route6 objects, the aut-num's policy) is derived from the stack.

RPSL names are checked here as RIPE's database checks them, so a bad one is
refused at `preview`; the rendered objects are parsed by IRRd's own parser
in the unit tier.
"""

from __future__ import annotations

import re

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator

from .acme import parse_email
from .errors import MISSING, KeyedError
from .model import Strict, faces_lab

LAB_SOURCE = "LAB"
# RPSL object names (RFC 2622 2): letters, digits, _ and -, starting with a
# letter, ending with a letter or digit; RIPE caps them at 80 characters.
OBJECT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,78}[A-Za-z0-9]$")
# A NIC handle: up to 4 letters, up to 6 digits, an optional suffix of
# letters (the registry's, e.g. -RIPE); or a source-suffixed handle.
NIC_HDL = re.compile(r"^[A-Z]{1,4}[0-9]{0,6}(-[A-Z][A-Z0-9_]{0,9})?$", re.I)
SOURCE = re.compile(r"^[A-Z][A-Z0-9-]*[A-Z0-9]$")
# An as-set: AS-NAME, or hierarchical AS<n>:AS-NAME (what IRRd requires of new ones).
AS_SET = re.compile(r"^(AS[0-9]+:)?AS-[A-Za-z0-9_-]*[A-Za-z0-9]$", re.I)
PHONE = re.compile(r"^\+[0-9][0-9 .()-]{3,30}[0-9]( ext\. [0-9]{1,10})?$")


def _object_name(value: str, what: str, example: str) -> str:
    if not OBJECT_NAME.fullmatch(value):
        raise ValueError(f"is not an RPSL {what}: letters, digits, _ and -, starting with a letter and ending "
                         f"with a letter or digit, at most 80 characters; e.g. {example}")
    return value.upper()


class Maintainer(Strict):
    name: str = Field(description="The name of the maintainer (mntner) object that maintains every object the "
                                  "stack registers; it ends in `-MNT`.",
                      examples=["EXAMPLE-MNT"])
    password: SecretStr = Field(
        description="The password the registry checks on updates by this maintainer, at least 12 characters, set as "
                    "a Pulumi secret; the mntner object carries only its BCRYPT-PW hash.")
    upd_to: str = Field(description="The email address the registry reports failed updates to (the mntner's "
                                    "mandatory upd-to).",
                        examples=["noc@example.net"])

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        name = _object_name(v, "maintainer name", "PERSONAL-MNT")
        if not name.endswith("-MNT"):
            raise ValueError("must end in -MNT, as registries name maintainers; e.g. PERSONAL-MNT")
        return name

    @field_validator("password", mode="before")
    @classmethod
    def _password(cls, v: object, info: ValidationInfo) -> object:
        if "irr" not in (info.context or {}).get("secret_keys", set()):
            raise ValueError("must be a Pulumi secret: pulumi config set --secret --path "
                             "'irr.maintainer.password' <value>")
        if not isinstance(v, str) or len(v.strip()) < 12:
            raise ValueError("must be a string of at least 12 characters, not counting blanks at its ends")
        return v

    @field_validator("upd_to")
    @classmethod
    def _upd_to(cls, v: str) -> str:
        return parse_email(v)


class Contact(Strict):
    """A person or a role: the aut-num's and the maintainer's admin-c/tech-c."""

    kind: str = Field(default="person", description="The RPSL class of the contact object: `person` or `role`.")
    name: str = Field(description="The person's or role's full name, two or more words.",
                      examples=["Jane Example"])
    nic_hdl: str = Field(description="The contact's NIC handle, as the registry assigned it (RIPE gives it when the "
                                     "object is created); in a lab world it ends in `-LAB`.",
                         examples=["JE123-RIPE"])
    address: list[str] = Field(min_length=1, description="The postal address, one line per item.",
                               examples=[["Example Street 1", "12345 Example City", "Germany"]])
    phone: str = Field(description="An international phone number, starting with +.",
                       examples=["+44 20 7946 0000"])
    email: str = Field(description="The contact's email address.", examples=["noc@example.net"])

    @field_validator("kind")
    @classmethod
    def _kind(cls, v: str) -> str:
        if v not in ("person", "role"):
            raise ValueError("must be person or role")
        return v

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        # RIPE: a person's name is at least two words of letters.
        if not re.fullmatch(r"^[A-Za-z][A-Za-z.'-]*( [A-Za-z][A-Za-z.'-]*)+$", v):
            raise ValueError("must be a full name of two or more words, e.g. Ada Lovelace")
        return v

    @field_validator("nic_hdl")
    @classmethod
    def _nic_hdl(cls, v: str) -> str:
        if not NIC_HDL.fullmatch(v):
            raise ValueError("is not a NIC handle: up to 4 letters, up to 6 digits and an optional registry suffix, "
                             "e.g. AL123-RIPE (RIPE assigns it: use AUTO-1 only when creating by hand)")
        return v.upper()

    @field_validator("address")
    @classmethod
    def _address(cls, v: list[str]) -> list[str]:
        for i, line in enumerate(v):
            if not line.strip() or "\n" in line:
                raise KeyedError((i,), line, "each address line must be one non-empty line")
        return v

    @field_validator("phone")
    @classmethod
    def _phone(cls, v: str) -> str:
        if not PHONE.fullmatch(v):
            raise ValueError("must be an international number starting with +, e.g. +44 20 7946 0000")
        return v

    @field_validator("email")
    @classmethod
    def _email(cls, v: str) -> str:
        return parse_email(v)


class Irr(Strict):
    """The user's objects in a routing registry."""

    source: str | None = Field(
        default=None, validate_default=True,
        description="The registry's source name, in capitals (e.g. `RIPE`, `ARIN`, `RADB`). Default: `RIPE`; a lab "
                    f"world's is always `{LAB_SOURCE}`.",
        examples=["RADB"])
    maintainer: Maintainer = Field(description="The maintainer (mntner) that maintains every object the stack "
                                               "registers.")
    admin: Contact = Field(description="The admin-c contact of the aut-num and the maintainer.")
    tech: Contact | None = Field(default=None, description="The tech-c contact. Unset: the admin contact.")
    as_name: str = Field(description="The aut-num's as-name: an RPSL object name.", examples=["EXAMPLE-AS"])
    as_set: str | None = Field(
        default=None,
        description="An as-set, `AS-NAME` or hierarchical `AS<your asn>:AS-NAME`, with the stack's ASN as its "
                    "member; the aut-num then announces it instead of the bare ASN. Unset: none (a lab world "
                    "requires one).",
        examples=["AS215634:AS-EXAMPLE"])
    submit: bool = Field(
        default=False,
        description="Submit the objects to the registry's IRRd HTTP API (not available for RIPE yet: paste the "
                    "stack output `irr_objects` into its web interface). A lab world always submits, to its own "
                    "registry.")
    api_url: str | None = Field(default=None,
                                description="The https:// URL of the registry's IRRd HTTP API, required with "
                                            "`submit`; a lab world takes none.",
                                examples=["https://irrd.example.net/"])

    @field_validator("source")
    @classmethod
    def _source(cls, v: str | None, info: ValidationInfo) -> str:
        if faces_lab(info):
            if v not in (None, LAB_SOURCE):
                raise ValueError(f"a stack facing a lab world registers in the lab's own registry, source "
                                 f"{LAB_SOURCE}, never a real one; drop irr.source or set it to {LAB_SOURCE}")
            return LAB_SOURCE
        if v is None:
            return "RIPE"
        if not SOURCE.fullmatch(v):
            raise ValueError("must be a registry source name in capitals, e.g. RIPE, ARIN, RADB")
        return v

    @field_validator("as_name")
    @classmethod
    def _as_name(cls, v: str) -> str:
        return _object_name(v, "as-name", "PERSONAL-AS")

    @field_validator("as_set")
    @classmethod
    def _as_set(cls, v: str | None) -> str | None:
        if v is not None and not AS_SET.fullmatch(v):
            raise ValueError("is not an as-set name: AS-NAME, or hierarchical AS<asn>:AS-NAME, "
                             "e.g. AS215634:AS-CUSTOMERS")
        return None if v is None else v.upper()

    @model_validator(mode="after")
    def _lab_handles(self, info: ValidationInfo) -> Irr:
        for key, contact in (("admin", self.admin), ("tech", self.tech)):
            if contact and faces_lab(info) and not contact.nic_hdl.endswith(f"-{LAB_SOURCE}"):
                raise KeyedError((key, "nic_hdl"), contact.nic_hdl,
                                 f"a lab registry's handles end in -{LAB_SOURCE}, e.g. LO1-{LAB_SOURCE}")
        return self

    @model_validator(mode="after")
    def _lab_as_set(self, info: ValidationInfo) -> Irr:
        if faces_lab(info) and self.as_set is None:
            raise KeyedError(("as_set",), MISSING,
                             "a lab world's transit builds its filter with bgpq4, which refuses documentation "
                             "and private ASNs (the lab's are documentation ASNs): name an as-set for it to "
                             "expand, e.g. AS65536:AS-PERSONAL")
        return self

    @model_validator(mode="after")
    def _submission(self, info: ValidationInfo) -> Irr:
        if faces_lab(info):
            if self.api_url is not None:
                raise KeyedError(("api_url",), self.api_url,
                                 "a lab world submits to its own registry on host irr; drop irr.api_url")
            return self
        if self.api_url is not None and not re.fullmatch(r"^https://[A-Za-z0-9.-]+(:[0-9]+)?(/[^\s]*)?$", self.api_url):
            raise KeyedError(("api_url",), self.api_url,
                             "must be the https:// URL of an IRRd's HTTP API (the maintainer password travels "
                             "in the request), e.g. https://irrd.example.net/")
        if self.submit and self.source == "RIPE":
            raise KeyedError(("submit",), True,
                             "submitting to the RIPE Database is not built yet (its REST API cannot be reached "
                             "from where this project is tested); set irr.submit: false and paste the stack "
                             "output irr_objects into RIPE's web interface")
        if self.submit and self.api_url is None:
            raise KeyedError(("api_url",), MISSING,
                             f"irr.submit needs the URL of the {self.source} registry's IRRd HTTP API, "
                             "e.g. https://irrd.example.net/")
        return self

    @property
    def tech_contact(self) -> Contact:
        return self.tech or self.admin
