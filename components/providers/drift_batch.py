"""Drift checks, batched per host: one SSH session runs many.

A preview asks every resource on a host whether the host still matches,
and they ask all at once (PULUMI_PARALLEL_DIFF). One session per question
costs the host more than most questions do: sshd forks a session, sudo
does its PAM round (home's user is not root), a shell starts. On an
emulated home that was about 0.7 s of its CPU per check against 0.25
without sudo (2026-12-07), and home is asked some 30 a preview. Here a host's checks
go to it together, in one session: those asked within WINDOW_S of the
first (the diffs the engine starts side by side), and then all those asked
while a batch runs, as the next batch. A quiet host's check waits only the
window: a fixed quarter second put that on every level of the graph, and
made the lab's previews, whose checks cost little, 10 % slower.
A driver script reads the checks from stdin and runs each in a shell
of its own, with its own stdin and a time limit, and prints each one's
exit code (and, for a failed one, the end of its output).

The verdict of each check is its own, exactly as if it had run alone: exit
0 passes, anything else is drift. A batch that could not run (no
connection, a session that ended early, a driver that did not finish) is
no verdict for anyone: each of its checks is asked again on its own.
"""

from __future__ import annotations

import base64
import os
import threading
import time
from dataclasses import dataclass, field

from .ssh import CommandFailed, RemoteCommandError, _pool_key, run

WINDOW_S = 0.02      # how long a quiet host's first check waits for the others asked with it
MAX_ITEMS = 48       # checks in one session, at most
ITEM_TIMEOUT_S = 60  # each check's own limit, as when it ran alone
MARK = "@@personal-as-check"

# Runs the checks on stdin, one a line: "<script, base64> <stdin, base64 or
# ->". Each runs in the shell a command of its own would have had (root's
# login shell is bash; sudo runs /bin/sh), from a file (a script may be
# larger than one argument may), its stdin from a pipe: the secrets on it
# are never written down. Temporary files (the scripts, the failed checks'
# output) live in a directory only root can enter, in memory where there is
# /dev/shm.
DRIVER = r"""set -u
d=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d) || exit 97
trap 'rm -rf "$d"' EXIT
sh=/bin/sh
[ -n "${BASH:-}" ] && sh=$BASH
n=0
while read -r script input; do
  n=$((n + 1))
  printf '%s' "$script" | base64 -d > "$d/s"
  rc=0
  if [ "$input" = - ]; then
    timeout ITEM_TIMEOUT "$sh" "$d/s" < /dev/null > "$d/o" 2> "$d/e" || rc=$?
  else
    printf '%s' "$input" | base64 -d | timeout ITEM_TIMEOUT "$sh" "$d/s" > "$d/o" 2> "$d/e" || rc=$?
  fi
  printf 'MARK %s %s\n' "$n" "$rc"
  if [ "$rc" != 0 ]; then
    tail -c 3000 "$d/o" | base64 -w0; echo
    tail -c 3000 "$d/e" | base64 -w0; echo
  fi
done
echo "MARK done $n"
""".replace("ITEM_TIMEOUT", str(ITEM_TIMEOUT_S)).replace("MARK", MARK)


def enabled() -> bool:
    """On unless PERSONAL_AS_DRIFT_BATCH=0 (the benchmark's comparison)."""
    return os.environ.get("PERSONAL_AS_DRIFT_BATCH", "1") != "0"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def payload(items: list[tuple[str, str | None]]) -> str:
    """The driver's stdin for (check, stdin) pairs."""
    return "".join(f"{_b64(check)} {_b64(stdin) if stdin else '-'}\n" for check, stdin in items)


def verdicts(out: str, count: int, host: str) -> list[CommandFailed | None]:
    """Each check's verdict from the driver's output: None for a pass, a
    CommandFailed as `run` raises it for drift. Raises RemoteCommandError
    if the driver did not report every check."""
    lines = out.splitlines()
    found: dict[int, CommandFailed | None] = {}
    i, done = 0, False
    while i < len(lines):
        parts = lines[i].split()
        i += 1
        if len(parts) == 3 and parts[0] == MARK and parts[1] == "done":
            done = parts[2] == str(count)
            continue
        if len(parts) != 3 or parts[0] != MARK:
            continue
        n, rc = int(parts[1]), int(parts[2])
        if rc == 0:
            found[n] = None
            continue
        stdout = base64.b64decode(lines[i]).decode(errors="replace") if i < len(lines) else ""
        stderr = base64.b64decode(lines[i + 1]).decode(errors="replace") if i + 1 < len(lines) else ""
        i += 2
        found[n] = CommandFailed(f"on {host}: exit {rc}\n--- stdout\n{stdout}\n--- stderr\n{stderr}", rc,
                                 stdout, stderr)
    if not done or set(found) != set(range(1, count + 1)):
        raise RemoteCommandError(f"on {host}: the batch of {count} drift checks reported {len(found)}")
    return [found[n] for n in range(1, count + 1)]


@dataclass
class _Item:
    check: str
    stdin: str | None
    done: threading.Event = field(default_factory=threading.Event)
    failed: CommandFailed | None = None
    error: Exception | None = None


_GUARD = threading.Lock()
_QUEUES: dict[tuple, list[_Item]] = {}
_WORKERS: set[tuple] = set()


def _drain(conn: dict, key: tuple) -> None:
    """A host's worker: after the window, batch after batch until its queue is empty."""
    time.sleep(WINDOW_S)
    while True:
        with _GUARD:
            queue = _QUEUES.get(key, [])
            batch, _QUEUES[key] = queue[:MAX_ITEMS], queue[MAX_ITEMS:]
            if not batch:
                _WORKERS.discard(key)
                return
        try:
            out, _ = run(conn, DRIVER, payload([(it.check, it.stdin) for it in batch]),
                         ITEM_TIMEOUT_S * len(batch) + 30)
            for it, failed in zip(batch, verdicts(out, len(batch), conn["host"])):
                it.failed = failed
        except Exception as err:  # no verdict for anyone in this batch
            for it in batch:
                it.error = err
        for it in batch:
            it.done.set()


def check(conn: dict, script: str, stdin: str | None) -> None:
    """Run the drift check `script` on the host with `stdin`, batched with
    the others that arrive with it. Returns on a pass; raises CommandFailed
    on drift, and RemoteCommandError (or what the connection raised) when
    the batch could not give a verdict."""
    item = _Item(script, stdin)
    key = _pool_key(conn)
    with _GUARD:
        _QUEUES.setdefault(key, []).append(item)
        start = key not in _WORKERS
        _WORKERS.add(key)
    if start:
        threading.Thread(target=_drain, args=(conn, key), daemon=True).start()
    item.done.wait()
    if item.error is not None:
        raise item.error
    if item.failed is not None:
        raise item.failed
