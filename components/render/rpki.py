"""Scripts for the RPKI exchanges, run as root over SSH on the hosts whose
Krill they talk to. They speak to Krill only through `krillc` (pinned, in the
Krill image): no curl, no JSON, no python3 on the host. Pure text from data."""

from __future__ import annotations

import ipaddress
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from .env import Sh, render
from .nginx import KRILL_PORT


@dataclass(frozen=True)
class KrillCli:
    """Where krillc runs, and the Krill it talks to from there.

    container=None: krillc is on the host itself, which shares Krill's network
    namespace (a lab host). Otherwise krillc runs with `docker exec` in the
    container Krill runs in (a real machine). Either way the admin token is
    read from `conf` where krillc runs, and handed over in its environment.
    """

    container: str | None = None
    # krillc trusts Krill's self-signed certificate only on https://127.0.0.1.
    url: str = f"https://127.0.0.1:{KRILL_PORT}/"
    conf: str = "/etc/krill/krill.conf"

    def __post_init__(self):
        # The path goes into a quoted `sh -c` script as it is.
        if not re.fullmatch(r"[\w./-]+", self.conf):
            raise ValueError(f"krill.conf path {self.conf!r}: only letters, digits and ./_- please")


@dataclass(frozen=True)
class Resources:
    asn: str = ""
    ipv4: str = ""
    ipv6: str = ""

    def krillc_args(self) -> list[str]:
        """krillc's resource options, as words; an empty family is left out."""
        pairs = (("--asn", self.asn), ("--ipv4", self.ipv4), ("--ipv6", self.ipv6))
        return [word for opt, val in pairs if val for word in (opt, val)]


def _script(cli: KrillCli, template: str, resources: Resources | None = None, **values) -> str:
    # The shell templates quote every value (env.py); the body is their own.
    body = render(template, resources=resources.krillc_args() if resources else [], **values)
    return render("krill-api.sh.j2", container=cli.container, url=cli.url, conf=cli.conf, body=Sh(body))


def lir_setup(cli: KrillCli, lir: str, rir_ca: str, resources: Resources) -> str:
    return _script(cli, "rpki/lir-setup.sh.j2", resources, lir=lir, rir_ca=rir_ca)


def ca_request(cli: KrillCli, ca: str, kind: str) -> str:
    """Create the CA if needed; print its RFC 8183 `child` or `publisher`
    request (XML: what the parent's Krill, or an RIR portal, takes)."""
    assert kind in ("child", "publisher")
    return _script(cli, "rpki/ca-create.sh.j2", ca=ca, kind=kind)


def parent_add_child(cli: KrillCli, parent: str, child: str, resources: Resources) -> str:
    return _script(cli, "rpki/parent-add-child.sh.j2", resources, parent=parent, child=child)


def pubd_add_publisher(cli: KrillCli, publisher: str) -> str:
    return _script(cli, "rpki/pubd-add-publisher.sh.j2", publisher=publisher)


def ca_set_contact(cli: KrillCli, ca: str, what: str, parent: str = "", wait: bool = True) -> str:
    """Take the parent or repository response on stdin; for `repo`, wait
    until the certificate from the parent has arrived (unless `wait` is off).
    `parent` is the CA's local name for its parent (see parent_handle)."""
    assert what in ("parents", "repo")
    assert parent or what == "repo", "krillc needs the parent's name"
    return _script(cli, "rpki/ca-set-contact.sh.j2", ca=ca, what=what, parent=parent, wait=wait)


def parent_handle(parent_response: str, default: str = "parent") -> str:
    """The parent's own handle in its RFC 8183 response: the name Krill's API
    gave a parent added from XML, so a CA onboarded before keeps its parent."""
    try:
        return ET.fromstring(parent_response).get("parent_handle") or default
    except ET.ParseError:
        return default  # Krill itself will reject the response, with its reason


def roas_apply(cli: KrillCli, ca: str, check_only: bool = False) -> str:
    """Apply the ROA delta; with check_only, exit 1 if there is one instead."""
    return _script(cli, "rpki/roas-apply.sh.j2", ca=ca, check_only=check_only)


def roas_json(roas: list[tuple[int, str, int]]) -> str:
    """The desired ROA set, as roas_apply reads it on stdin: one ROA a line
    in krillc's own notation (`2001:db8::/48-48 => 65536`), prefixes written
    as Krill writes them, so a line compares equal to `krillc roas list`."""
    lines = {f"{ipaddress.ip_network(p, strict=False).compressed}-{m} => {a}" for a, p, m in roas}
    return "".join(f"{line}\n" for line in sorted(lines))


def aspas_apply(cli: KrillCli, ca: str, check_only: bool = False) -> str:
    """Make the CA's ASPAs the set on stdin (aspa_lines); with check_only,
    exit 1 if they differ instead."""
    return _script(cli, "rpki/aspas-apply.sh.j2", ca=ca, check_only=check_only)


def aspa_lines(customer: int, providers: tuple[int, ...]) -> str:
    """The desired ASPA, as aspas_apply reads it on stdin: krillc's own
    notation, providers ascending as Krill lists them, so the line compares
    equal to `krillc aspas list`."""
    return f"AS{customer} => {', '.join(f'AS{p}' for p in sorted(set(providers)))}\n"
