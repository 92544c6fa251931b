"""Where a test run's CPU goes: core-seconds by container and by program.

    python3 scripts/cpu_groups.py OUT [INTERVAL_S]

Every INTERVAL_S (default 10) it reads every process's CPU time from /proc
and adds what each used since the last look to its group: the Docker
container it runs in (by name), or else its program (`comm`; an
interpreter by what it runs; a QEMU guest by its -name). A process that
ended between two looks is not lost: its parent's reaped-children time
grows by it, and what of that was not counted while it lived goes to
"<parent's group>'s children". OUT is rewritten every minute and at the
end (on SIGTERM, or when the process that started it is gone): group,
core-seconds, share, largest first. Beside it, OUT's stem + "-minutes.tsv"
gets a line a minute: the guests' core-seconds and the rest's in it. A diagnostic beside vmstat's samples:
it decides nothing and never fails the run.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def containers() -> dict[str, str]:
    """Docker container id -> name, from the engine's own files."""
    names = {}
    root = Path("/var/lib/docker/containers")
    try:
        for d in root.iterdir():
            try:
                names[d.name] = json.loads((d / "config.v2.json").read_text())["Name"].lstrip("/")
            except (OSError, ValueError, KeyError):
                continue
    except OSError:
        pass
    return names


def cmdline(pid: int) -> list[str]:
    try:
        return [a.decode(errors="replace") for a in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0") if a]
    except OSError:
        return []


def group_of(pid: int, comm: str, names: dict[str, str]) -> str:
    try:
        cgroup = Path(f"/proc/{pid}/cgroup").read_text()
    except OSError:
        return comm
    for line in cgroup.splitlines():
        for part in line.split("/"):
            if len(part) == 64 and all(c in "0123456789abcdef" for c in part):
                return "container " + names.get(part, part[:12])
    if comm in ("sh", "dash") or comm.startswith(("python", "bash", "pulumi-language")):
        # An interpreter is named by what it runs: pytest, the Pulumi
        # program and its providers, a script of ours.
        args = cmdline(pid)
        for i, a in enumerate(args[1:], 1):
            if a == "-m" and i + 1 < len(args):
                return f"{comm} -m {args[i + 1]}"
            if a == "-c":
                return f"{comm} -c"
            if not a.startswith("-"):
                return f"{comm} {os.path.basename(a)}"
    elif comm.startswith("qemu-system"):
        args = cmdline(pid)
        if "-name" in args[:-1]:
            return f"qemu {args[args.index('-name') + 1].split(',')[0]}"
    return comm


def sample(names: dict[str, str]) -> dict[int, tuple[str, int, float, float]]:
    """pid -> (group, ppid, own CPU s, reaped children's CPU s)."""
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        pid = int(entry)
        try:
            raw = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        comm = raw[raw.index("(") + 1:raw.rindex(")")]
        f = raw[raw.rindex(")") + 2:].split()
        # Fields after the name: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14).
        out[pid] = (group_of(pid, comm, names), int(f[1]), (int(f[11]) + int(f[12])) / TICK,
                    (int(f[13]) + int(f[14])) / TICK)
    return out


def descendants(pid: int, ended: dict[int, tuple[str, int, float, float]]) -> list[int]:
    """The ended processes under `pid` (children, and theirs that ended too):
    what the parent's reaped time holds that was already counted."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        kids = [c for c, v in ended.items() if v[1] == p]
        found += kids
        todo += kids
    return found


def main(argv: list[str]) -> int:
    out = Path(argv[1])
    interval = float(argv[2]) if len(argv) > 2 else 10.0
    parent = os.getppid()
    totals: dict[str, float] = {}
    started = time.time()
    # What already ran counts from here on only.
    last = sample(containers())
    written = time.monotonic()

    # Beside the totals, a line a minute: the guests' core-seconds and the
    # rest's in that minute, to lay beside the log's times (which phase of
    # the vmlab tier the guests spend on).
    series = out.with_name(out.stem + "-minutes.tsv")
    series.write_text("# UTC\tvmlab-home\tvmlab-vps\tother (core-seconds in the minute before)\n")
    seen: dict[str, float] = {}

    def write() -> None:
        cols = {"vmlab-home": 0.0, "vmlab-vps": 0.0, "other": 0.0}
        for k, v in totals.items():
            d = v - seen.get(k, 0.0)
            seen[k] = v
            cols[k if k in ("vmlab-home", "vmlab-vps") else "other"] += d
        with series.open("a") as f:
            f.write(time.strftime("%H:%M:%S", time.gmtime()) + "".join(f"\t{v:.1f}" for v in cols.values()) + "\n")
        total = sum(totals.values()) or 1.0
        lines = [f"# core-seconds by group over {time.time() - started:.0f} s (scripts/cpu_groups.py)"]
        lines += [f"{v:10.1f}  {100 * v / total:5.1f} %  {k}" for k, v in sorted(totals.items(), key=lambda kv: -kv[1])]
        tmp = out.with_suffix(".tmp")
        tmp.write_text("\n".join(lines) + "\n")
        tmp.replace(out)

    class Stop(Exception):
        pass

    def on_term(*_):
        raise Stop  # out of the sleep at once: the run is ending

    signal.signal(signal.SIGTERM, on_term)
    try:
        while os.getppid() == parent:
            time.sleep(interval)
            now = sample(containers())
            ended = {pid: v for pid, v in last.items() if pid not in now}
            for pid, (group, _ppid, own, reaped) in now.items():
                before = last.get(pid)
                if before is None:  # new since the last look: all of it
                    used = own
                else:  # (a process that moved group counts from its next look)
                    used = own - before[2] if before[0] == group else 0.0
                totals[group] = totals.get(group, 0.0) + max(used, 0.0)
                if before:
                    grown = reaped - before[3]
                    if grown > 0:
                        # The children it reaped since: what was seen of them
                        # is in; the rest is theirs, under the parent's group.
                        # (An ended descendant's own time and what it
                        # reaped were counted while it lived.)
                        rest = grown - sum(ended[c][2] + ended[c][3] for c in descendants(pid, ended))
                        if rest > 0:
                            to = f"{group}'s children"
                            totals[to] = totals.get(to, 0.0) + rest
            last = now
            if time.monotonic() - written > 60:
                write()
                written = time.monotonic()
    except Stop:
        pass
    finally:
        write()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except Exception as err:  # noqa: BLE001 - a diagnostic never fails the run
        print(f"cpu_groups: {err}", file=sys.stderr)
        sys.exit(0)
