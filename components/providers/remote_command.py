"""A command run on a host over SSH: the one path that provisions every host.

It plays the role of pulumi-command's remote.Command, whose provider binary
this machine cannot build. Lab hosts and real hosts go through the same code.
Secrets reach the host on stdin, never on the command line, so they do not
show up in process listings, logs or the state's plaintext.
"""

from __future__ import annotations

import time
from pathlib import Path

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, ResourceProvider, UpdateResult

from ..cache_dir import cache_dir
from . import drift_batch
from .ssh import CommandFailed, HostKeyMismatch, RemoteCommandError, is_gone, run, run_unless_gone

__all__ = ["RemoteCommand", "RemoteCommandError", "run"]


class _RemoteCommandProvider(ResourceProvider):
    def _run(self, props, which: str) -> dict:
        cmd = props.get(which) or props["create"]
        out, err = run(props["connection"], cmd, props.get("stdin"), int(props.get("timeout", 300)))
        # RFC 8183 XML travels between hosts through stdout: keep it whole.
        return {**props, "stdout": out[-65536:], "stderr": err[-4000:]}

    def create(self, props):
        outs = self._run(props, "create")
        import uuid

        return CreateResult(id_=uuid.uuid4().hex, outs=outs)

    def diff(self, _id, olds, news):
        # `delete` too: the state must hold the undo script destroy will run.
        watched = ("create", "update", "delete", "stdin", "triggers")
        changed = [k for k in watched if olds.get(k) != news.get(k)]
        conn = news.get("connection")
        if not isinstance(conn, dict) or conn != olds.get("connection"):
            # The host itself is new (its connection is not known until it
            # exists): run the command again there. Commands are idempotent.
            changed.append("connection")
        if not changed and isinstance(news.get("drift_check"), str) and isinstance(news.get("stdin"), (str, type(None))):
            if not check_passes(conn, news["drift_check"], news.get("stdin")):
                changed.append("drift")
        return DiffResult(changes=bool(changed), replaces=[])

    def update(self, _id, _olds, news):
        return UpdateResult(outs=self._run(news, "update"))

    def read(self, id_, props):
        return ReadResult(id_=id_, outs=props)

    def delete(self, _id, props):
        if not props.get("delete"):
            return
        run_unless_gone(props["connection"], props["delete"], None, int(props.get("timeout", 300)))


# A drift check that could not run (sshd closed or refused its session on a
# busy host) says nothing about the host: it is asked again, and if it still
# cannot run the preview fails saying why. Only a check that ran and exited
# non-zero is drift: taken for drift, such a failure was an `update` in a
# preview that should have had nothing to do, with no reason shown.
CHECK_ATTEMPTS = 2
CHECK_RETRY_S = 3


def check_passes(conn: dict, check: str, stdin: str | None) -> bool:
    """Ask the host whether reality still matches: True, or False on drift.
    Asked first together with the host's other checks (drift_batch); a
    batch that gave no verdict is no verdict, and the check is asked alone."""
    alone = lambda c, s, i: run(c, s, i, 60)  # noqa: E731
    asks = ([drift_batch.check] if drift_batch.enabled() else []) + [alone] * CHECK_ATTEMPTS
    for n, ask in enumerate(asks, 1):
        try:
            ask(conn, check, stdin)
            return True
        except CommandFailed as failed:
            journal_drift(conn, failed)
            return False
        except HostKeyMismatch:
            raise
        except Exception as err:  # noqa: BLE001 - no verdict: ask again, or say why it could not run
            if ask is alone and not isinstance(err, RemoteCommandError):
                raise  # alone, as before batching: only a command that never ran is asked again
            gone = isinstance(err, RemoteCommandError) and is_gone(err)
            if gone or n == len(asks):
                raise RemoteCommandError(f"the drift check could not run: {err}") from None
        if ask is alone:
            time.sleep(CHECK_RETRY_S)
    raise AssertionError("unreachable")


JOURNAL_MAX_BYTES = 1_000_000


def drift_journal() -> Path:
    return cache_dir() / "drift.log"


def journal_drift(conn: dict, failed: CommandFailed) -> None:
    """Why a probe said drift, for the operator: a dynamic provider's diff
    cannot show a message, so `preview` lists an `update` with no reason.
    The checks print `drift...` lines (never a secret: those come on
    stdin and are never echoed); a check that printed none is logged with
    its exit code and the last line of its errors."""
    said = [line for line in failed.stdout.splitlines() if line.startswith("drift")]
    if not said:
        last_err = (failed.stderr.strip().splitlines() or ["(nothing on stderr)"])[-1][:300]
        said = [f"exit {failed.rc}, no reason printed; stderr: {last_err}"]
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    where = f"{conn.get('user', 'root')}@{conn.get('host')}:{conn.get('port', 22)}"
    path = drift_journal()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() and path.stat().st_size > JOURNAL_MAX_BYTES:
            path.replace(path.with_suffix(".log.1"))
        with path.open("a") as f:
            f.writelines(f"{stamp} {where} {line}\n" for line in said)
    except OSError:
        pass  # the journal is a help, never a reason for a preview to fail


class RemoteCommand(Resource, module="remote", name="Command"):
    """Runs `create` once, `update` when inputs change, `delete` on destroy."""

    stdout: pulumi.Output[str]
    stderr: pulumi.Output[str]

    def __init__(self, name: str, connection: pulumi.Input[dict], create: pulumi.Input[str],
                 update: pulumi.Input[str] | None = None, delete: pulumi.Input[str] | None = None,
                 stdin: pulumi.Input[str] | None = None, triggers: list | None = None, timeout: int = 300,
                 drift_check: str | None = None, opts: pulumi.ResourceOptions | None = None):
        # stdin often carries a rendered config with a password in it.
        opts = pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(additional_secret_outputs=["stdin", "connection"])
        )
        super().__init__(
            _RemoteCommandProvider(), name,
            {"connection": connection, "create": create, "update": update, "delete": delete,
             "stdin": stdin, "triggers": triggers or [], "timeout": timeout, "drift_check": drift_check,
             "stdout": None, "stderr": None},
            opts,
        )
