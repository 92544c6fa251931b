"""Asking the lab's registry and transit's filter job what they hold."""

from __future__ import annotations

from components.lab_plan import IRR_NAME
from components.render.irr_filter import STATUS_FILE, irr_file


def whois(host, query: str) -> str:
    """`whois -h irr.lab <query>` from a lab host, as an operator would."""
    # The port named: a minimal host has no /etc/services to look it up in.
    res = host.run(f"whois -h {IRR_NAME} -p 43 -- {query!r}")
    assert res.rc == 0, res.stderr
    return res.stdout


def transit_list(transit, asn: int, version: int = 6) -> str:
    return transit.file(irr_file(asn, version)).content_string


def job_status(transit) -> str:
    return transit.file(STATUS_FILE).content_string if transit.file(STATUS_FILE).exists else ""
