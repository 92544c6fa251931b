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
from dataclasses import dataclass
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


def synthetic_as_paths(n: int) -> list[list[int]]:
    """One AS path (1 to 6 private ASNs, origin last) per route, shared as in a real table."""
    pool = [_as_path(j) for j in range(_DISTINCT_PATHS)]
    # Copies, so a caller editing one route's path doesn't edit its siblings'.
    return [list(pool[(i * _PATH_STRIDE) % _DISTINCT_PATHS]) for i in range(n)]


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

    def check_running(self) -> None:
        if self.proc.poll() is not None:
            raise RuntimeError(f"{self.name} BIRD exited with {self.proc.returncode}:\n{_tail(self.log)}")


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


def bare_bird_baseline(n: int, workdir: Path, image: str | None = None, import_table: bool = False) -> dict[str, object]:
    """Feed n routes from one bare BIRD to another; time convergence and
    measure memory. `image`: the BIRD image whose BIRD runs (else this
    machine's); the work folder then sits inside its exported files.
    `import_table`: the receiver keeps an Adj-RIB-In, as the stack's BIRD
    does so that a ROA change re-runs its import filter without asking the
    upstream for a route refresh (RFC 9324)."""
    global _ROOT
    _ROOT = export_image(image, workdir / "rootfs") if image else None
    if _ROOT:
        workdir = _ROOT / "bench"
    workdir.mkdir(parents=True, exist_ok=True)
    write_static_routes(workdir / "fulltable.conf", synthetic_routes(n), synthetic_as_paths(n))
    feed_conf = _write_config(workdir / "feed.conf", _feeder_config(workdir / "fulltable.conf"))
    recv_conf = _write_config(workdir / "recv.conf", _receiver_config(import_table))

    namespaces: list[str] = []
    birds: list[_Bird] = []
    try:
        _create_link(namespaces)
        feed = _start_bird("feed", FEED_NS, feed_conf, workdir, birds)
        recv = _start_bird("recv", RECV_NS, recv_conf, workdir, birds)
        _wait_established(feed, recv)
        converge_s = _converge(feed, recv, n)
        _check_table_holds(recv, n)
        _check_kernel_untouched()
        return {
            "routes": n,
            "converge_s": round(converge_s, 2),
            "recv_peak_rss_mib": recv.status_mib("VmHWM"),
            "recv_rss_mib": recv.status_mib("VmRSS"),
            "feed_peak_rss_mib": feed.status_mib("VmHWM"),
            "bird_version": _bird_version(),
        }
    finally:
        for bird in birds:
            _stop_bird(bird)
        for ns in namespaces:
            subprocess.run(["ip", "netns", "delete", ns], capture_output=True)


def _bird_config(router_id: str, peer_name: str, local: tuple[str, int], neighbor: tuple[str, int],
                 channel: str, extra: str = "") -> str:
    """One bare BIRD with one eBGP session and nothing else. `protocol device`
    only lists interfaces, which BGP needs to find its directly connected
    neighbour; there is no kernel protocol, so nothing is installed."""
    return f"""\
router id {router_id};
log stderr all;
protocol device {{}}
{extra}protocol bgp {peer_name} {{
	local {local[0]} as {local[1]};
	neighbor {neighbor[0]} as {neighbor[1]};
	connect delay time 1;
	connect retry time 2;
	ipv6 {{ {channel} }};
}}
"""


def _feeder_config(static_conf: Path) -> str:
    return _bird_config(FEED_ROUTER_ID, "recv", (FEED_ADDR, FEED_AS), (RECV_ADDR, RECV_AS),
                        "import none; export all;", extra=f'include "{_path(static_conf)}";\n')


def _receiver_config(import_table: bool = False) -> str:
    return _bird_config(RECV_ROUTER_ID, "feed", (RECV_ADDR, RECV_AS), (FEED_ADDR, FEED_AS),
                        "import all; export none;" + (" import table on;" if import_table else ""))


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
    out = recv.birdc("show route count table master6")
    if not re.search(rf"^{n} of {n} routes for {n} networks", out, re.M):
        raise RuntimeError(f"receiver's table does not hold exactly {n} routes:\n{out}")


def _check_kernel_untouched() -> None:
    # The receiver has no kernel protocol: its kernel should know only the link.
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
    # python -m bench.fulltable [ROUTES [IMAGE]]
    routes = int(sys.argv[1]) if len(sys.argv) > 1 else 220000
    tag = sys.argv[2] if len(sys.argv) > 2 else None
    print(json.dumps(bare_bird_baseline(routes, Path(tempfile.mkdtemp(prefix="pas-bench-")), tag), indent=2))
