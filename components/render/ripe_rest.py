"""The RIPE Database REST API requests that submit the user's objects: pure
rendering only, so they can be kept in golden files and checked without a
network. Formats from RIPE's documentation (docs.db.ripe.net):
Update-Methods/RESTful-API and RIPE-Database-Structure/REST-API-Data-model.

Authentication: an API key over HTTP Basic, in the Authorization header.
RIPE documents that header for POST, PUT and DELETE, and recommends API
keys for the REST API; the old `?password=` query parameter went with
MD5-PW, which RIPE deprecated for removal by the end of 2025 and has since
dropped from its docs. A credential in a URL would also end up in logs.
So no request here carries a credential: the caller adds the header
AUTH_HEADER with the key, and the secret never reaches a golden file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from ..config import StackConfig
from .irr import rpsl_objects

RIPE_REST = "https://rest.db.ripe.net"
# The TEST database (source TEST): the same software, reset every night.
RIPE_TEST_REST = "https://rest-test.db.ripe.net"
AUTH_HEADER = "Authorization"  # "Basic <key>"; the caller adds it
# RIPE answers XML unless asked otherwise, and wants a Content-Type on
# POST, PUT and DELETE alike (even a DELETE, which has no body).
JSON_HEADERS = (("Accept", "application/json"), ("Content-Type", "application/json"))

RpslObject = list[tuple[str, str]]


@dataclass(frozen=True)
class RipeRequest:
    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: str | None  # JSON text, or None


def _value(obj: RpslObject, name: str) -> str:
    for attribute, value in obj:
        if attribute == name:
            return value
    raise ValueError(f"a {obj[0][0]} object without {name}: has no key in RIPE's URLs")


def object_key(obj: RpslObject) -> str:
    """The primary key RIPE puts in an object's URL: the first value, but a
    person's or role's NIC handle, and a route's prefix and origin together
    (e.g. 193.0.22.0/23AS3333)."""
    kind, first = obj[0]
    if kind in ("person", "role"):
        return _value(obj, "nic-hdl")
    if kind in ("route", "route6"):
        return first + _value(obj, "origin")
    return first


def _base(source: str, base_url: str) -> str:
    # RIPE's own examples spell the source in lower case: /ripe/..., /test/...
    return f"{base_url.rstrip('/')}/{source.lower()}"


def _url(obj: RpslObject, source: str, base_url: str) -> str:
    # Percent-encode the key, but keep "/" and ":": RIPE's documented URLs
    # write a route's key with its slash as it is, and an encoded slash (%2F)
    # is one that servers may refuse as an ambiguous path separator.
    return f"{_base(source, base_url)}/{obj[0][0]}/{quote(object_key(obj), safe='/:')}"


def _check_source(obj: RpslObject, source: str) -> None:
    # An object names its database; sent to another one it would be refused
    # (or, for TEST, land somewhere the user did not mean).
    stated = [v for a, v in obj if a == "source"]
    if stated and stated != [source]:
        raise ValueError(f"the object's source is {stated[0]}, but it would go to {source}")


def _body(obj: RpslObject, source: str) -> str:
    """A WhoisResources document with the one object; attribute order is
    kept, as RPSL's is meaningful (the first attribute names the type)."""
    _check_source(obj, source)
    attributes = [{"name": a, "value": v} for a, v in obj]
    doc = {"objects": {"object": [{"source": {"id": source}, "attributes": {"attribute": attributes}}]}}
    # UTF-8 is what RIPE recommends; keep the text readable, not \u-escaped.
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def ripe_create(obj: RpslObject, source: str, base_url: str = RIPE_REST) -> RipeRequest:
    """POST /{source}/{type}: a create only; RIPE refuses it if the object exists."""
    return RipeRequest("POST", f"{_base(source, base_url)}/{obj[0][0]}", JSON_HEADERS, _body(obj, source))


def ripe_update(obj: RpslObject, source: str, base_url: str = RIPE_REST) -> RipeRequest:
    """PUT /{source}/{type}/{key}: the whole new version of an existing object."""
    return RipeRequest("PUT", _url(obj, source, base_url), JSON_HEADERS, _body(obj, source))


def ripe_delete(obj: RpslObject, source: str, base_url: str, reason: str) -> RipeRequest:
    """DELETE /{source}/{type}/{key}?reason=...: no body. RIPE makes the
    reason optional; asking for one keeps a deletion from being silent."""
    _check_source(obj, source)
    query = urlencode({"reason": reason}, quote_via=quote)
    return RipeRequest("DELETE", f"{_url(obj, source, base_url)}?{query}", JSON_HEADERS, None)


def ripe_requests(cfg: StackConfig, mntner_auth: str, base_url: str = RIPE_REST) -> list[RipeRequest]:
    """The creates for the stack's objects, one object per request (the API
    takes one at a time), in the seed's order: maintainer, contacts,
    aut-num, as-set, routes, so each refers only to objects before it."""
    assert cfg.irr is not None
    return [ripe_create(o, cfg.irr.source, base_url) for o in rpsl_objects(cfg, mntner_auth)]


def render_http(requests: list[RipeRequest]) -> str:
    """The requests as one readable .http file (### between requests), with
    the credential shown as a {{ripe_api_key}} variable, never a value."""
    blocks = []
    for r in requests:
        lines = ["###", f"{r.method} {r.url}", *[f"{k}: {v}" for k, v in r.headers],
                 f"{AUTH_HEADER}: Basic {{{{ripe_api_key}}}}"]
        blocks.append("\n".join(lines) + "\n" + ("\n" + r.body if r.body else ""))
    return "\n".join(blocks)
