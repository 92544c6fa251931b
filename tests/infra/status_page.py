"""The status page as the operator reaches it: through the Krill proxy on
home, by the name the stack serves it at, with the stack's password."""

from __future__ import annotations

import shlex
from urllib.parse import urlsplit

from tests.infra import stack


def status_url() -> str:
    return stack.outputs()["status_url"]


def login() -> tuple[str, str]:
    out = stack.outputs()
    return out["status_user"], out["status_password"]


def resolve_args(cfg) -> str:
    """curl's --resolve for the page's name to where the proxy listens."""
    parts = urlsplit(status_url())
    listen = cfg.krill.proxy.listen[0]
    return f"--resolve {parts.hostname}:{parts.port or 443}:{listen}"


def fetch(home, cfg, path: str = "", user: str | None = None, password: str | None = None) -> tuple[int, str, str]:
    """(HTTP status, content type, body) of a page under /status/, from home."""
    auth = f"-u {shlex.quote(f'{user}:{password}')}" if user is not None else ""
    # The proxy's certificate is the ACME CA's in the lab: TLS itself is
    # checked by the Krill proxy's own tests; this one is about the page.
    # The body in a file of its own: checks run side by side (pytest-xdist).
    res = home.run(f"body=$(mktemp); curl -sk -m 20 {resolve_args(cfg)} {auth} -o $body "
                   f"-w '%{{http_code}} %{{content_type}}' {shlex.quote(status_url() + path)}; "
                   "echo; cat $body; rm -f $body")
    head, _, body = res.stdout.partition("\n")
    code, _, ctype = head.partition(" ")
    return int(code or 0), ctype, body


def row(page: str, row_id: str) -> str:
    """One table row of the page, by its id ("" when it has none)."""
    start = page.find(f'<tr id="{row_id}">')
    return page[start:page.find("</tr>", start)] if start >= 0 else ""


def shows_healthy(page: str, cfg) -> bool:
    """Every upstream's session Established and every prefix VALID."""
    return all('class="state ok">Established<' in row(page, f"session-{u.name}") for u in cfg.upstreams) and all(
        'class="rpki ok">VALID<' in row(page, f"prefix-{p}") for p in cfg.prefixes)
