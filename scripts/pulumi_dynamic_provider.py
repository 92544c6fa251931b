"""Pulumi's dynamic-provider plugin (`python -m pulumi.dynamic`), which exits
with the CLI that started it (see orphan_watch.py for why), and serves as many
calls at once as the engine sends.

Every resource of this stack is a dynamic one, served by this one process.
The SDK's server takes 4 calls at a time, so the engine's own `--parallel`
(4 per core) never applied: a `pulumi up` on the vmlab guests spent minutes
with one guest idle while 4 image transfers to the other held every worker.
Nearly every call waits on a host (SSH, Docker), not on this process."""

from __future__ import annotations

import os
import runpy
import sys
from concurrent import futures

import grpc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from orphan_watch import exit_when_orphaned  # noqa: E402

# At least as many as the engine runs at once (PULUMI_PARALLEL; scripts/env.sh
# sets it): a call beyond the pool waits in a queue while the engine counts
# it as running.
WORKERS = max(32, int(os.environ.get("PULUMI_PARALLEL") or 0))


def _with_workers(serve):
    """`serve` (grpc.server) with this pool in place of the SDK's."""
    return lambda _executor, *args, **kwargs: serve(futures.ThreadPoolExecutor(max_workers=WORKERS), *args, **kwargs)


if __name__ == "__main__":
    exit_when_orphaned()
    grpc.server = _with_workers(grpc.server)
    # As `python -m` would: the working directory (the project) first, so
    # providers pickled by reference import from it.
    sys.path[0] = os.getcwd()
    runpy.run_module("pulumi.dynamic", run_name="__main__", alter_sys=True)
