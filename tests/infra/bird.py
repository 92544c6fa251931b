"""Helpers that read like what they check, over birdc on a host."""

from __future__ import annotations

import datetime
import re
import shlex
import time

SOCKET = "/run/bird/bird.ctl"


def birdc(host, command: str) -> str:
    res = host.run(f"birdc -s {SOCKET} {shlex.quote(command)}")
    assert res.rc == 0, res.stderr
    return res.stdout


# roa_check's answer as `eval` prints it: "(enum <type>)<value>". The type's
# number is BIRD's own and changes between releases (35 in 2.0.12, 34 in
# 2.17); the value is RFC 6811's: 0 unknown (not found), 1 valid, 2 invalid.
ROA_VERDICTS = {"0": "unknown", "1": "valid", "2": "invalid"}


def parse_roa_verdict(out: str) -> str:
    m = re.search(r"\(enum \d+\)([012])\s*$", out)
    assert m, f"not a roa_check answer: {out!r}"
    return ROA_VERDICTS[m.group(1)]


def roa_verdict(host, table: str, prefix: str, asn: int) -> str:
    """RPKI's verdict on `prefix` from `asn`, by the ROAs in BIRD's `table`."""
    return parse_roa_verdict(birdc(host, f"eval roa_check({table}, {prefix}, {asn})"))


def session_state(host, protocol: str) -> str:
    out = birdc(host, f"show protocols {protocol}")
    # Name, proto, table, state, since (a date and a time: `timeformat
    # protocol iso long` on vps; one field elsewhere), info.
    m = re.search(rf"^{protocol}\s+BGP\s+\S+\s+(\w+)\s+\S+(?: \d\d:\d\d:\d\d)?\s*(\w*)", out, re.M)
    return m.group(2) or m.group(1) if m else "missing"


def session_is_established(host, protocol: str) -> bool:
    return session_state(host, protocol) == "Established"


def exported_prefixes(host, protocol: str) -> list[str]:
    return re.findall(r"^(\S+/\d+)\s", birdc(host, f"show route export {protocol}"), re.M)


def imported_prefixes(host, protocol: str) -> list[str]:
    out = host.run(f"birdc -s {SOCKET} show route protocol {protocol}").stdout
    return re.findall(r"^(\S+/\d+)\s", out, re.M)


def route(host, prefix: str, *, all_: bool = True) -> str:
    """`show route` for one prefix; empty when BIRD has none (birdc exits non-zero then)."""
    return host.run(f"birdc -s {SOCKET} show route {prefix}{' all' if all_ else ''}").stdout


def has_route(host, prefix: str) -> bool:
    return f"{prefix} " in route(host, prefix, all_=False)


def as_path(host, prefix: str) -> str | None:
    m = re.search(r"BGP\.as_path: ([\d ]+)", route(host, prefix))
    return m.group(1).strip() if m else None


def wait_until(check, timeout: float, interval: float = 1.0) -> bool:
    """Poll `check` until it is true or `timeout` seconds pass; return its last value."""
    deadline = time.monotonic() + timeout
    while True:
        if check():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)


def timed(check, bound: float) -> float:
    """Seconds until `check` holds; fails the test after `bound` seconds."""
    start = time.monotonic()
    assert wait_until(check, bound), f"not within {bound}s"
    return time.monotonic() - start


def withdraws_received(host, protocol: str) -> int:
    """How many withdraws `protocol` has received since it came up."""
    m = re.search(r"Import withdraws:\s+(\d+)", birdc(host, f"show protocols all {protocol}"))
    assert m, f"no import statistics for {protocol}"
    return int(m.group(1))


def neighbor_preserved_families(host, protocol: str) -> list[str]:
    """Address families the neighbor said it kept forwarding through its restart."""
    out = birdc(host, f"show protocols all {protocol}")
    neighbor = out.split("Neighbor capabilities", 1)[-1].split("Session:", 1)[0]
    m = re.search(r"AF preserved:\s*(.*)", neighbor)
    return m.group(1).split() if m else []


def state_changed_at(host, protocol: str) -> float:
    """When `protocol` last changed state, as a Unix time: BIRD's `since` on a
    lab router (hh:mm:ss.mmm, UTC; its container shares this machine's clock)."""
    out = birdc(host, f"show protocols {protocol}")
    m = re.search(rf"^{protocol}\s+BGP\s+\S+\s+\w+\s+(\d\d:\d\d:\d\d\.\d{{3}})\s", out, re.M)
    assert m, f"no hh:mm:ss.mmm since for {protocol} in {out!r}"
    now = datetime.datetime.now(datetime.timezone.utc)
    clock = datetime.time.fromisoformat(m.group(1))
    at = datetime.datetime.combine(now.date(), clock, tzinfo=datetime.timezone.utc)
    if at > now + datetime.timedelta(minutes=1):   # it changed before midnight
        at -= datetime.timedelta(days=1)
    return at.timestamp()
