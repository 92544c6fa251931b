"""The port probe preview runs on a real home box, and what its output means.

The box runs other things. Before the stack puts a listener on it, each port
the config chose (config/home_ports.py) must be free there or already held
by this stack's own containers. The probe lists the box's TCP listeners with
their processes (`ss -Hltnp`), each process's cgroup, and Docker's container
names: a process inside a container `<stack>-home-...` is the stack's own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..config.home_ports import Binding, overlaps

PROBE_SCRIPT = r"""set -u
echo '== listeners'
ss -Hltnp
echo '== cgroups'
for pid in $(ss -Hltnp | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u); do
  printf '%s %s\n' "$pid" "$(tr '\n' ' ' < "/proc/$pid/cgroup" 2>/dev/null)"
done
echo '== containers'
if command -v docker >/dev/null 2>&1; then docker ps --no-trunc --format '{{.ID}} {{.Names}}' 2>/dev/null || true; fi
"""

_USER = re.compile(r'\("([^"]*)",pid=(\d+)')
_CONTAINER_ID = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Process:
    name: str
    pid: int
    container: str | None  # the Docker container it runs in, if any

    def __str__(self) -> str:
        inside = f" in container {self.container}" if self.container else ""
        return f"{self.name} (pid {self.pid}{inside})"


@dataclass(frozen=True)
class Listener:
    address: str
    port: int
    processes: tuple[Process, ...]


def _sections(text: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        if line.startswith("== "):
            current = line[3:].strip()
            out[current] = []
        elif current is not None and line.strip():
            out[current].append(line)
    return out


def _split_endpoint(local: str) -> tuple[str, int]:
    """`ss`'s local column: 127.0.0.1:80, [::1]:443, *:80, 0.0.0.0:22,
    [::ffff:127.0.0.1]:80, 127.0.0.53%lo:53 (an interface-bound socket)."""
    address, _, port = local.rpartition(":")
    address = address.strip("[]").split("%", 1)[0]
    return address, int(port)


def parse_probe(text: str) -> list[Listener]:
    """The listeners the probe saw, each with its processes and their containers."""
    parts = _sections(text)
    names = {}
    for line in parts.get("containers", []):
        cid, _, name = line.partition(" ")
        names[cid] = name.strip()
    container_of: dict[int, str | None] = {}
    for line in parts.get("cgroups", []):
        pid, _, cgroup = line.partition(" ")
        found = [names[c] for c in _CONTAINER_ID.findall(cgroup) if c in names]
        container_of[int(pid)] = found[0] if found else None
    out = []
    for line in parts.get("listeners", []):
        fields = line.split()
        # State Recv-Q Send-Q Local Peer [users:(...)]
        if len(fields) < 5:
            continue
        address, port = _split_endpoint(fields[3])
        users = " ".join(fields[5:])
        procs = tuple(Process(n, int(p), container_of.get(int(p))) for n, p in _USER.findall(users))
        out.append(Listener(address, port, procs))
    return out


def is_own(listener: Listener, own_prefix: str) -> bool:
    """Held by this stack's containers on home (and nothing else)."""
    return bool(listener.processes) and all(
        p.container is not None and (p.container == own_prefix or p.container.startswith(own_prefix + "-"))
        for p in listener.processes)


def taken(bindings: list[Binding], listeners: list[Listener], own_prefix: str, host: str = "home") -> list[str]:
    """One line per configured port that something else on the box holds."""
    problems = []
    for b in bindings:
        holders = [l for l in listeners if l.port == b.port and not is_own(l, own_prefix)
                   and any(overlaps(l.address, a) for a in b.addresses)]
        if not holders:
            continue
        seen = ", ".join(dict.fromkeys(str(p) for l in holders for p in l.processes)) or "a process ss cannot name"
        where = ", ".join(dict.fromkeys(f"[{l.address}]:{l.port}" if ":" in l.address else f"{l.address}:{l.port}"
                                        for l in holders))
        problems.append(f"{b.key_text}: port {b.port} on {host} is taken by {seen} (listening on {where}); "
                        f"set {b.key_text} to a free port, or stop that service if the box no longer needs it")
    return problems
