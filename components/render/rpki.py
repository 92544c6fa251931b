"""Scripts for the RPKI exchanges, run over SSH on the hosts whose Krill
they talk to. Pure text from data."""

from __future__ import annotations

import json
from dataclasses import dataclass

from .env import render
from .nginx import KRILL_PORT

KRILL_CONF = "/etc/krill/krill.conf"


@dataclass(frozen=True)
class Resources:
    asn: str = ""
    ipv4: str = ""
    ipv6: str = ""


def _with_api(body: str) -> str:
    return render("krill-api.sh.j2", port=KRILL_PORT, conf=KRILL_CONF, body=body)


def lir_setup(lir: str, rir_ca: str, resources: Resources) -> str:
    return _with_api(render("rpki/lir-setup.sh.j2", lir=lir, rir_ca=rir_ca, resources=resources))


def ca_request(ca: str, kind: str, xml: bool = False) -> str:
    """Create the CA if needed; print its `child` or `publisher` request
    (JSON for our own parent's API, the RFC 8183 XML for a portal)."""
    assert kind in ("child", "publisher")
    return _with_api(render("rpki/ca-create.sh.j2", ca=ca, kind=kind, fmt="xml" if xml else "json"))


def parent_add_child(parent: str, child: str, resources: Resources) -> str:
    return _with_api(render("rpki/parent-add-child.sh.j2", parent=parent, child=child, resources=resources))


def pubd_add_publisher(publisher: str) -> str:
    return _with_api(render("rpki/pubd-add-publisher.sh.j2", publisher=publisher))


def ca_set_contact(ca: str, what: str, wait: bool = True) -> str:
    """Take the parent or repository response on stdin; for `repo`, wait
    until the certificate from the parent has arrived (unless `wait` is off)."""
    assert what in ("parents", "repo")
    return _with_api(render("rpki/ca-set-contact.sh.j2", ca=ca, what=what, wait=wait))


def roas_apply(ca: str, check_only: bool = False) -> str:
    """Apply the ROA delta; with check_only, exit 1 if there is one instead."""
    return _with_api(render("rpki/roas-apply.sh.j2", ca=ca, check_only=check_only))


def roas_json(roas: list[tuple[int, str, int]]) -> str:
    """The desired ROA set, as roas_apply reads it on stdin."""
    return json.dumps([{"asn": a, "prefix": p, "max_length": m} for a, p, m in sorted(roas)])
