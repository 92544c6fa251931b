"""The benchmark's baseline: what a bare BIRD costs for the same full table.

The project's routers run BIRD inside containers, behind filters, RPKI and a
kernel protocol. To say what that costs, the benchmark reports its figures as
ratios to this baseline: the same synthetic IPv6 table fed over one eBGP
session into a BIRD with no filters and no kernel protocol, in two throwaway
network namespaces on this machine. Everything here is deterministic, so two
runs (or the baseline and the lab) see exactly the same routes and AS paths.

Only documentation addresses carry traffic (2001:db8:beef::/64 on a veth pair
between namespaces created here); the table's prefixes live in BIRD's RIB only.

The bare BIRD is the routers' own release: the project's BIRD image, its
files exported to a folder and run there by chroot (this machine's own BIRD
may be another release; Debian 12's is 2.0.12, the image's 2.17).

Bare is one end of a ladder (VARIANTS): each rung adds to the pair one more
thing vps's BIRD does with a full table from its upstream (its rendered
config: tests/golden/lab-vps-import-full.bird.conf), so the gap between vps
and bare can be attributed rung by rung.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path

BIRD = "/usr/sbin/bird"
BIRDC = "/usr/sbin/birdc"
# The exported image the bare BIRDs run in (bare_bird_baseline sets it);
# None: this machine's own BIRD.
_ROOT: Path | None = None

FEED_NS = "pas-bench-feed"
RECV_NS = "pas-bench-recv"
FEED_ADDR = "2001:db8:beef::1"
RECV_ADDR = "2001:db8:beef::2"
FEED_AS = 64510
RECV_AS = 64511
FEED_ROUTER_ID = "192.0.2.251"
RECV_ROUTER_ID = "192.0.2.252"
STATIC_NAME = "fulltable"
# The upstream's next hop as transit announces it to vps: an address on no
# link of the receiver's, which only recursive resolution makes usable.
FAR_NEXT_HOP = "2001:db8:beef:ffff::1"
# Where the receiver resolves it (vps: `transit_nexthops6`).
IGP_TABLE = "feed_nexthops6"
# vps's own prefix (the lab's), for its import filter and its export.
OWN_PREFIX = "2001:db8:100::/48"
# TCP-MD5 for the ladder's own session, between two namespaces made and
# deleted here: a throwaway key that guards nothing.
MD5_PASSWORD = "pas-bench"
# ROAs in the receiver's ROA table: a filled table, as a real validator's is,
# that does not dwarf the routes. Its size matters: at 220,000 routes on BIRD
# 2.17.6, roa_check cost the receiver some 0.05 s of CPU with one ROA (about
# what the lab's validator serves vps), 0.19 s with 4,000, and 0.33 s and
# 30 MiB more with 100,000 (nearer the real internet's IPv6 VRPs).
ROA_COUNT = 4000

ESTABLISH_TIMEOUT_S = 60.0
CONVERGE_TIMEOUT_S = 600.0
POLL_INTERVAL_S = 0.2
STOP_TIMEOUT_S = 10.0

# 2400::/12 is one RIR allocation: 2**20 /32s, none of them bogons, and
# disjoint from 2001:db8::/32, so the table never shadows the lab's own links.
_TABLE_BASE_HEXTET = 0x2400
_TABLE_SLOTS = 1 << 20

# Lengths for 20 consecutive routes: 55 % /48, 15 % /32, 15 % /44, 10 % /40,
# 5 % /36, roughly the mix of today's IPv6 table.
_LENGTH_PATTERN = (48, 32, 48, 44, 48, 40, 48, 48, 32, 48, 44, 48, 36, 48, 40, 48, 48, 32, 48, 44)

# A real table has far fewer distinct AS paths than routes; this pool makes
# the receiver share path attributes the way it would in production.
_DISTINCT_PATHS = 4000
# Coprime with the pool size, so route i -> path is a bijection on each run of
# 4000 routes: every path is used, and neighbours in the table differ.
_PATH_STRIDE = 3761
# Path lengths for 20 consecutive paths: mostly 3 and 4 hops, as seen from a transit.
_PATH_LENGTHS = (3, 2, 4, 3, 5, 1, 3, 4, 2, 3, 6, 4, 3, 2, 4, 3, 5, 3, 4, 2)
# Transit hops come from a small set (64512-64575), origins from the rest of
# the 16-bit private range and then the 32-bit one, so origins never repeat.
_TRANSIT_FIRST, _TRANSIT_COUNT = 64512, 64
_ORIGIN16_FIRST, _ORIGIN16_LAST = 64576, 65534
_ORIGIN32_FIRST = 4200000000


def synthetic_routes(n: int) -> list[str]:
    """n distinct, non-overlapping IPv6 prefixes, each in its own /32 of 2400::/12."""
    if not 0 <= n <= _TABLE_SLOTS:
        raise ValueError(f"n must be between 0 and {_TABLE_SLOTS}, got {n}")
    return [_route(i) for i in range(n)]


def _route(i: int) -> str:
    length = _LENGTH_PATTERN[i % len(_LENGTH_PATTERN)]
    # Vary the bits below /32 so longer prefixes don't all start at ::0.
    subnet = (i * 40503) & 0xFFFF & (0xFFFF << (48 - length))
    # Only the first three hextets are ever set, so the canonical (RFC 5952)
    # text is direct; ipaddress would take seconds for a full table.
    hextets = [_TABLE_BASE_HEXTET + (i >> 16), i & 0xFFFF, subnet]
    while hextets[-1] == 0:
        hextets.pop()
    return ":".join(f"{h:x}" for h in hextets) + f"::/{length}"


def synthetic_roas(n: int, count: int = ROA_COUNT) -> list[tuple[str, int, int]]:
    """(prefix, max length, ASN): ROAs for `count` routes spread evenly over
    the first n, each the route's own /32 up to /48 with its origin. Those
    routes are VALID, the rest NOT_FOUND, as most of a real table is; none is
    INVALID, so the receiver still takes all n."""
    if count <= 0:
        return []
    return [(_slot(i), 48, _as_path(_path_index(i))[-1]) for i in range(0, n, max(1, n // count))][:count]


def _slot(i: int) -> str:
    """The /32 of 2400::/12 that route i sits in."""
    return f"{_TABLE_BASE_HEXTET + (i >> 16):x}:{i & 0xFFFF:x}::/32"


def _path_index(i: int) -> int:
    return (i * _PATH_STRIDE) % _DISTINCT_PATHS


def synthetic_as_paths(n: int) -> list[list[int]]:
    """One AS path (1 to 6 private ASNs, origin last) per route, shared as in a real table."""
    pool = [_as_path(j) for j in range(_DISTINCT_PATHS)]
    # Copies, so a caller editing one route's path doesn't edit its siblings'.
    return [list(pool[_path_index(i)]) for i in range(n)]


def _as_path(j: int) -> list[int]:
    length = _PATH_LENGTHS[j % len(_PATH_LENGTHS)]
    transits = [_TRANSIT_FIRST + ((j // (k + 1)) * 37 + k * 11) % _TRANSIT_COUNT for k in range(length - 1)]
    return transits + [_origin_asn(j)]


def _origin_asn(j: int) -> int:
    if _ORIGIN16_FIRST + j <= _ORIGIN16_LAST:
        return _ORIGIN16_FIRST + j
    return _ORIGIN32_FIRST + j


def write_static_routes(
    path: str | os.PathLike[str],
    routes: list[str],
    paths: list[list[int]],
    name: str = STATIC_NAME,
    disabled: bool = True,
) -> None:
    """Write a BIRD 2 `protocol static` whose routes carry the given AS paths."""
    if len(routes) != len(paths):
        raise ValueError(f"{len(routes)} routes but {len(paths)} AS paths")
    lines = [f"protocol static {name} {{"]
    if disabled:
        # Loaded but silent: the benchmark's clock starts at `birdc enable`.
        lines.append("\tdisabled;")
    lines.append("\tipv6;")
    for prefix, as_path in zip(routes, paths):
        # prepend() puts an ASN in front, so the origin goes first and the
        # path ends up reading as the list.
        prepends = " ".join(f"bgp_path.prepend({asn});" for asn in reversed(as_path))
        lines.append(f"\troute {prefix} unreachable {{ {prepends} }};")
    lines.append("}")
    Path(path).write_text("\n".join(lines) + "\n")


@dataclass(frozen=True)
class Features:
    """What a variant adds to the bare pair: each flag one thing vps's BIRD
    (or, for the last, transit's) does on the session that brings the table."""

    # `import table on; rpki reload on;`: vps keeps an Adj-RIB-In so that a
    # ROA change re-runs its import filter without a route refresh (RFC 9324).
    import_table: bool = False
    # vps's import filter for `import: full`: own prefix, length and bogon
    # sets, roa_check against a ROA table (static here, RTR-fed on vps).
    import_filter: bool = False
    # vps's session is multihop; the upstream's next hop is on no link of
    # vps's and is resolved through an IGP table (`gateway recursive`).
    recursive_next_hop: bool = False
    # vps's other protocols: a kernel protocol whose export filter sees every
    # route (and keeps BGP routes out), direct, and the own prefix's static
    # announced through an export filter.
    protocols: bool = False
    # The session's own options: TCP-MD5, BFD, RFC 9234 roles, graceful
    # restart, lab timers and an import limit.
    session: bool = False
    # The feeder exports as the lab's transit does (a filter on each route,
    # and a kernel protocol's), where bare exports all.
    transit_feeder: bool = False


def _ladder() -> dict[str, Features]:
    """bare, then one rung per feature, each keeping the ones before: the
    difference between two neighbouring rungs is that feature's cost."""
    rungs, features = {"bare": Features()}, Features()
    for field in fields(Features):
        features = replace(features, **{field.name: True})
        rungs[field.name] = features
    return rungs


VARIANTS = _ladder()


@dataclass
class _Bird:
    """One BIRD daemon running in the foreground inside a namespace."""

    name: str
    socket: Path
    pidfile: Path
    log: Path
    proc: subprocess.Popen[bytes]

    def birdc(self, command: str) -> str:
        res = subprocess.run(_bird(BIRDC, "-s", _path(self.socket), *command.split()), capture_output=True, text=True)
        return res.stdout + res.stderr

    def status_mib(self, field: str) -> float:
        """A Vm* figure of the daemon, read through the pid BIRD itself wrote."""
        pid = int(self.pidfile.read_text().strip())
        status = Path(f"/proc/{pid}/status").read_text()
        m = re.search(rf"^{field}:\s+(\d+) kB", status, re.M)
        if not m:
            raise RuntimeError(f"no {field} in /proc/{pid}/status of {self.name}")
        return round(int(m.group(1)) / 1024, 1)

    def cpu_s(self) -> float:
        return process_cpu_s(int(self.pidfile.read_text().strip()))

    def check_running(self) -> None:
        if self.proc.poll() is not None:
            raise RuntimeError(f"{self.name} BIRD exited with {self.proc.returncode}:\n{_tail(self.log)}")


def process_cpu_s(pid: int) -> float:
    """CPU seconds (user and system, all threads) a process has used so far."""
    # Fields after the command name, which may hold spaces: utime and stime are the 12th and 13th.
    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")


def _bird(*args: str) -> list[str]:
    """A command line for BIRD's own binaries (bird, birdc), in the exported
    image when there is one."""
    prog, rest = args[0], args[1:]
    return ["chroot", str(_ROOT), prog, *rest] if _ROOT else [prog, *rest]


def _path(path: Path) -> str:
    """A path as BIRD sees it: inside the exported image, from its root."""
    return "/" + str(path.relative_to(_ROOT)) if _ROOT else str(path)


def export_image(tag: str, dest: Path) -> Path:
    """The image's files in `dest` (docker export of a container never started)."""
    dest.mkdir(parents=True, exist_ok=True)
    cid = _run("docker", "create", "--pull", "never", tag).strip()
    try:
        exported = subprocess.Popen(["docker", "export", cid], stdout=subprocess.PIPE)
        untar = subprocess.run(["tar", "-x", "-C", str(dest)], stdin=exported.stdout, capture_output=True)
        exported.wait()
        if exported.returncode or untar.returncode:
            raise RuntimeError(f"exporting {tag} failed: {untar.stderr.decode(errors='replace')}")
    finally:
        subprocess.run(["docker", "rm", cid], capture_output=True)
    return dest


def bare_bird_baseline(n: int, workdir: Path, image: str | None = None, variant: str = "bare",
                       roas: int = ROA_COUNT) -> dict[str, object]:
    """Feed n routes from one bare BIRD to another; time convergence and
    measure memory and CPU. `image`: the BIRD image whose BIRD runs (else this
    machine's); its files are exported into `workdir` once, and later calls
    with the same workdir and image reuse them. `variant`: a rung of VARIANTS,
    what the pair does beyond bare. `roas`: the ROA table's size, for the
    rungs with vps's import filter."""
    global _ROOT
    features = VARIANTS[variant]
    _ROOT = _exported(image, workdir / "rootfs") if image else None
    workdir = (_ROOT / "bench" if _ROOT else workdir) / variant
    workdir.mkdir(parents=True, exist_ok=True)
    write_static_routes(workdir / "fulltable.conf", synthetic_routes(n), synthetic_as_paths(n))
    feed_conf = _write_config(workdir / "feed.conf", _feeder_config(workdir / "fulltable.conf", features))
    recv_conf = _write_config(workdir / "recv.conf", _receiver_config(features, synthetic_roas(n, roas)))

    namespaces: list[str] = []
    birds: list[_Bird] = []
    try:
        _create_link(namespaces)
        feed = _start_bird("feed", FEED_NS, feed_conf, workdir, birds)
        recv = _start_bird("recv", RECV_NS, recv_conf, workdir, birds)
        _wait_established(feed, recv)
        # CPU as well as wall time: it counts the work itself, not the 0.2 s
        # polling's rounding nor what else this machine runs meanwhile.
        cpu_before = feed.cpu_s(), recv.cpu_s()
        converge_s = _converge(feed, recv, n)
        cpu_feed, cpu_recv = feed.cpu_s() - cpu_before[0], recv.cpu_s() - cpu_before[1]
        _check_table_holds(recv, n)
        _check_kernel_untouched()
        return {
            "variant": variant,
            "routes": n,
            "roas": roas if features.import_filter else 0,
            "converge_s": round(converge_s, 2),
            "recv_peak_rss_mib": recv.status_mib("VmHWM"),
            "recv_rss_mib": recv.status_mib("VmRSS"),
            "recv_cpu_s": round(cpu_recv, 2),
            "feed_peak_rss_mib": feed.status_mib("VmHWM"),
            "feed_cpu_s": round(cpu_feed, 2),
            "bird_version": _bird_version(),
        }
    finally:
        for bird in birds:
            _stop_bird(bird)
        for ns in namespaces:
            subprocess.run(["ip", "netns", "delete", ns], capture_output=True)


def _exported(image: str, dest: Path) -> Path:
    """The image's files in `dest`, exported once: a ladder of variants
    shares them. A note beside them says which image they are."""
    note = dest.with_name(dest.name + ".image")
    if not (note.exists() and note.read_text() == image):
        export_image(image, dest)
        note.write_text(image)
    return dest


def _bird_config(router_id: str, peer_name: str, local: tuple[str, int], neighbor: tuple[str, int],
                 channel: Sequence[str], extra: Sequence[str] = (), session: Sequence[str] = ()) -> str:
    """One BIRD with one eBGP session: `extra` protocols and definitions
    before it, `session` options inside it. `protocol device` only lists
    interfaces, which BGP needs to find its neighbour and static routes their
    gateway; with no kernel protocol in `extra`, nothing is installed."""
    options = "".join(f"\t{line}\n" for line in session)
    return f"""\
router id {router_id};
log stderr all;
protocol device {{}}
{"".join(extra)}protocol bgp {peer_name} {{
	local {local[0]} as {local[1]};
	neighbor {neighbor[0]} as {neighbor[1]};
	connect delay time 1;
	connect retry time 2;
{options}	ipv6 {{ {" ".join(channel)} }};
}}
"""


def _feeder_config(static_conf: Path, features: Features = Features()) -> str:
    channel = ["import none;"]
    # After transit_feeds' sed, what transit's customer export is; the
    # statics it names besides the table are left out, so the count stays n.
    channel.append('export where net = ::/0 || source = RTS_BGP || proto = "lab_internet" || proto = "fulltable";'
                   if features.transit_feeder else "export all;")
    extra = [f'include "{_path(static_conf)}";\n']
    session: list[str] = []
    if features.recursive_next_hop:
        # As transit does: multihop, and a next hop the receiver must resolve.
        session.append("multihop 2;")
        channel.append(f"next hop address {FAR_NEXT_HOP};")
    if features.session:
        session += _session_options("provider")
        session.append("require roles on;")
        extra.append("protocol bfd {}\n")
    if features.transit_feeder:
        # transit's kernel protocol runs its filter on every route too (and
        # installs none of these: they are not BGP routes).
        extra.append("protocol kernel { ipv6 { export where source = RTS_BGP; }; }\n")
    return _bird_config(FEED_ROUTER_ID, "recv", (FEED_ADDR, FEED_AS), (RECV_ADDR, RECV_AS), channel, extra, session)


def _receiver_config(f: Features = Features(), roas: Sequence[tuple[str, int, int]] = ()) -> str:
    channel = ["import filter VPS_IMPORT;" if f.import_filter else "import all;",
               "export filter VPS_EXPORT;" if f.protocols else "export none;"]
    extra: list[str] = []
    session: list[str] = []
    if f.import_filter or f.protocols:
        extra.append(f"define OWN_PREFIXES = [ {OWN_PREFIX} ];\n")
    if f.import_table:
        channel.append("import table on; rpki reload on;")
    if f.import_filter:
        extra += [_roa_table(roas), _VPS_IMPORT_FILTER]
    if f.recursive_next_hop:
        session.append("multihop 2;")
        channel.append(f"gateway recursive; igp table {IGP_TABLE};")
        extra.append(f"ipv6 table {IGP_TABLE};\n"
                     f"protocol static feed_igp {{ ipv6 {{ table {IGP_TABLE}; }}; route ::/0 via {FEED_ADDR}; }}\n")
    if f.protocols:
        extra.append(_VPS_PROTOCOLS)
    if f.session:
        session += _session_options("customer")
        channel.append("import limit 400000 action block;")
        extra.append("protocol bfd {}\n")
    return _bird_config(RECV_ROUTER_ID, "feed", (RECV_ADDR, RECV_AS), (FEED_ADDR, FEED_AS), channel, extra, session)


def _session_options(role: str) -> list[str]:
    """What vps's session (and transit's side of it) sets beyond bare, with
    the lab's timers; `role` is this side's RFC 9234 role."""
    return [f'authentication md5; password "{MD5_PASSWORD}";', "graceful restart on;", f"local role {role};",
            "bfd { interval 300 ms; multiplier 3; };", "hold time 9;", "keepalive time 3;", "error wait time 9, 90;"]


def _roa_table(roas: Sequence[tuple[str, int, int]]) -> str:
    """vps's ROA table, filled by a static protocol where vps's RTR session would."""
    lines = ["roa6 table rov6;", "protocol static roas {", "\troa6 { table rov6; };"]
    lines += [f"\troute {prefix} max {max_len} as {asn};" for prefix, max_len, asn in roas]
    return "\n".join([*lines, "}", ""])


# The logic of vps's import filter for `import: full` (bird.conf.j2), with
# the real internet's bogon list (the lab's leaves out 2001:db8::/32).
_VPS_IMPORT_FILTER = """\
filter VPS_IMPORT {
	if net ~ OWN_PREFIXES then reject;
	if net.len > 48 || net.len < 8 then reject;
	if net ~ [ ::/8+, fc00::/7+, fe80::/10+, ff00::/8+, 2001:db8::/32+, 2002::/16+, 3ffe::/16+ ] then reject;
	if roa_check(rov6, net, bgp_path.last) = ROA_INVALID then reject;
	if bgp_path.len > 64 then reject;
	accept;
}
"""

# vps's protocols besides the session (bird.conf.j2): its kernel protocol
# keeps BGP routes out of the kernel by a filter run on each of them.
_VPS_PROTOCOLS = f"""\
protocol direct {{ interface "dummy*"; ipv6 {{ import all; }}; }}
protocol kernel {{
	scan time 15;
	graceful restart on;
	ipv6 {{ export where source != RTS_BGP || net = ::/0; }};
}}
protocol static own_prefix {{ ipv6; route {OWN_PREFIX} unreachable; }}
filter VPS_EXPORT {{
	if net !~ OWN_PREFIXES then reject;
	bgp_large_community.add(({RECV_AS}, 1, 1));
	accept;
}}
"""


def _write_config(path: Path, text: str) -> Path:
    path.write_text(text)
    # Fail here with BIRD's own message rather than as a session that never comes up.
    res = subprocess.run(_bird(BIRD, "-p", "-c", _path(path)), capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError(f"bird -p rejected {path}:\n{res.stderr}")
    return path


def _run(*args: str) -> str:
    res = subprocess.run(list(args), capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed: {res.stderr.strip()}")
    return res.stdout


def _create_link(namespaces: list[str]) -> None:
    """Two namespaces joined by a veth pair; `namespaces` records what to delete."""
    for ns in (FEED_NS, RECV_NS):
        _run("ip", "netns", "add", ns)
        namespaces.append(ns)
        _run("ip", "-n", ns, "link", "set", "lo", "up")
    # Created inside the namespaces, so the veth never appears on the host.
    _run("ip", "-n", FEED_NS, "link", "add", "veth0", "type", "veth", "peer", "name", "veth0", "netns", RECV_NS)
    for ns, addr in ((FEED_NS, FEED_ADDR), (RECV_NS, RECV_ADDR)):
        # nodad: usable at once instead of after duplicate address detection.
        _run("ip", "-n", ns, "addr", "add", f"{addr}/64", "dev", "veth0", "nodad")
        _run("ip", "-n", ns, "link", "set", "veth0", "up")


def _start_bird(name: str, ns: str, conf: Path, workdir: Path, birds: list[_Bird]) -> _Bird:
    socket, pidfile, log = workdir / f"{name}.ctl", workdir / f"{name}.pid", workdir / f"{name}.log"
    cmd = ["ip", "netns", "exec", ns, *_bird(BIRD, "-f", "-c", _path(conf), "-s", _path(socket), "-P", _path(pidfile))]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    bird = _Bird(name, socket, pidfile, log, proc)
    birds.append(bird)
    return bird


def _wait_established(feed: _Bird, recv: _Bird) -> None:
    deadline = time.monotonic() + ESTABLISH_TIMEOUT_S
    sessions = ((feed, "recv"), (recv, "feed"))
    while True:
        outputs = [bird.birdc(f"show protocols {proto}") for bird, proto in sessions]
        if all(re.search(rf"^{proto}\s.*\bEstablished\b", out, re.M) for (_, proto), out in zip(sessions, outputs)):
            return
        for bird in (feed, recv):
            bird.check_running()
        if time.monotonic() > deadline:
            raise RuntimeError(f"BGP not Established after {ESTABLISH_TIMEOUT_S:.0f} s:\n" + "\n".join(outputs))
        time.sleep(POLL_INTERVAL_S)


def _converge(feed: _Bird, recv: _Bird, n: int) -> float:
    """Seconds from `enable fulltable` on the feeder until the receiver holds all n routes."""
    t0 = time.monotonic()
    out = feed.birdc(f"enable {STATIC_NAME}")
    if "enabled" not in out:
        raise RuntimeError(f"enable {STATIC_NAME} failed: {out}")
    while True:
        # The protocol's import counter, not `show route count`: that walks the
        # whole table (~0.1 s at 220k routes) inside the daemon being timed.
        out = recv.birdc("show protocols all feed")
        if _imported_routes(out) >= n:
            return time.monotonic() - t0
        recv.check_running()
        if time.monotonic() - t0 > CONVERGE_TIMEOUT_S:
            raise RuntimeError(f"receiver short of {n} routes after {CONVERGE_TIMEOUT_S:.0f} s:\n{out}")
        time.sleep(POLL_INTERVAL_S)


def _imported_routes(show_protocols_all: str) -> int:
    m = re.search(r"Routes:\s+(\d+) imported", show_protocols_all)
    return int(m.group(1)) if m else 0


def _check_table_holds(recv: _Bird, n: int) -> None:
    # After the clock stops: the counter polled above must match the table itself.
    # The feed's routes only ("n of all routes"): some variants hold one of their own too.
    out = recv.birdc("show route count table master6 protocol feed")
    if not re.search(rf"^{n} of \d+ routes for \d+ networks", out, re.M):
        raise RuntimeError(f"receiver's table does not hold exactly {n} routes:\n{out}")


def _check_kernel_untouched() -> None:
    # The receiver's kernel should know only the link (and, in variants with
    # vps's kernel protocol, the own prefix): none of the table.
    routes = _run("ip", "-n", RECV_NS, "-6", "route", "show").splitlines()
    if len(routes) >= 10:
        raise RuntimeError(f"{RECV_NS} kernel holds {len(routes)} IPv6 routes:\n" + "\n".join(routes[:20]))


def _stop_bird(bird: _Bird) -> None:
    if bird.proc.poll() is None:
        bird.proc.send_signal(signal.SIGTERM)
        try:
            bird.proc.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            bird.proc.kill()
            bird.proc.wait()


def _bird_version() -> str:
    res = subprocess.run(_bird(BIRD, "--version"), capture_output=True, text=True)
    m = re.search(r"BIRD version (\S+)", res.stdout + res.stderr)
    return m.group(1) if m else "unknown"


def _tail(path: Path, lines: int = 20) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


if __name__ == "__main__":
    # python -m bench.fulltable [ROUTES [IMAGE [VARIANT ...]]]
    routes = int(sys.argv[1]) if len(sys.argv) > 1 else 220000
    tag = sys.argv[2] if len(sys.argv) > 2 else None
    work = Path(tempfile.mkdtemp(prefix="pas-bench-"))
    for name in sys.argv[3:] or ["bare"]:
        print(json.dumps(bare_bird_baseline(routes, work, tag, name), indent=2))
