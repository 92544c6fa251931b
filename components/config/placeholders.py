"""The example stack's placeholders, refused before validation goes further.

`stacks/Pulumi.prod.yaml.example` is copied by users. What it holds in place
of their own values must never reach a host: a `set-me` secret would become
a BGP password, an example.net name a certificate nobody can validate, a
documentation address a session to nowhere. Each one found is reported with
its key and the command or value that replaces it.

Plain `set-me` strings, not `secure:` ones: a `secure:` value that is not a
real ciphertext makes the Pulumi CLI fail before this program runs.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping

from .errors import KeyedError, key_path
from .prefixes import LAB_ONLY_RANGES as DOC_RANGES

SECRET_PLACEHOLDER = "set-me"
# RFC 2606 / RFC 6761: names that can never be anyone's.
RESERVED_DOMAINS = ("example.com", "example.net", "example.org")
RESERVED_TLDS = ("example", "test", "invalid", "localhost")


def _domain_of(value: str) -> str | None:
    """The DNS name in a name, an e-mail address or a URL's host, lowercased."""
    text = value.strip().lower()
    if "://" in text:
        text = text.split("://", 1)[1].split("/", 1)[0].rsplit("@", 1)[-1].split(":", 1)[0]
    elif "@" in text:
        text = text.rsplit("@", 1)[1]
    return text.rstrip(".") or None


def _reserved_name(value: str) -> bool:
    labels = (_domain_of(value) or "").split(".")
    return labels[-1] in RESERVED_TLDS or ".".join(labels[-2:]) in RESERVED_DOMAINS


def _documentation_address(value: str) -> str | None:
    try:
        ip = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    for net, what in DOC_RANGES:
        if ip.version == net.version and ip in net:
            return f"{net}, {what}"
    return None


def string_leaves(value: object, loc: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """(key path, text) for every string in a raw config, however deep."""
    if isinstance(value, Mapping):
        for k, v in value.items():
            yield from string_leaves(v, (*loc, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from string_leaves(v, (*loc, i))
    elif isinstance(value, str):
        yield loc, value


class Placeholder(KeyedError):
    """A placeholder left in; `secret_placeholder` for a `set-me` secret."""

    def __init__(self, loc: tuple, value: object, message: str, secret_placeholder: bool = False):
        super().__init__(loc, value, message)
        self.secret_placeholder = secret_placeholder


def placeholder_problems(raw: Mapping, lab_world: bool) -> list[Placeholder]:
    """Every example placeholder left in `raw` (keys without the namespace).

    A lab world uses documentation numbers and example.net names on purpose,
    so there only `set-me` secrets are placeholders."""
    out = []
    for loc, value in string_leaves(raw):
        if value.strip().lower().startswith(SECRET_PLACEHOLDER):
            out.append(Placeholder(loc, value, (
                "is the example's placeholder; set the real value as a secret: "
                f"pulumi config set --secret --path '{key_path(loc)}' '<value>'"), secret_placeholder=True))
        elif not lab_world and _reserved_name(value):
            out.append(Placeholder(loc, value, (
                f"is the example's placeholder name ({_domain_of(value)} is reserved by RFC 2606 and belongs to "
                "nobody); give your own")))
        elif not lab_world and (doc := _documentation_address(value)):
            out.append(Placeholder(loc, value, (
                f"is the example's placeholder address (inside {doc}, which no real host has); give your own "
                "host's address")))
    return out
