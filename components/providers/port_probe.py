"""PortsFree: preview refuses a port on a real home box that something else
holds. The probe runs in `check`, which the engine calls in every preview
and every `up` before anything is changed, also for a stack that has never
been up: the first preview of a prod stack is where a user learns that
Grafana already has :3000.

A check failure names the config key, the port and the process holding it
(render/port_probe.py); nothing is sent to the box but the probe itself.
"""

from __future__ import annotations

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult, Resource, ResourceProvider
from pulumi.output import Unknown
from pulumi.runtime.rpc import UNKNOWN


def _known(value) -> bool:
    # An input not known yet reaches a dynamic provider's check as the wire's
    # sentinel string or, deserialized during a preview, as an Unknown.
    if isinstance(value, Unknown) or value == UNKNOWN:
        return False
    if isinstance(value, dict):
        return all(_known(v) for v in value.values())
    if isinstance(value, list):
        return all(_known(v) for v in value)
    return True


def _connection(props) -> dict:
    """The host's SSH connection. Before the first `up` its host key is not
    pinned in the state yet: then the key the host presents now is the one
    HostKey will record at `up` (or the one the config pins)."""
    from .ssh import presented_key

    conn = props["connection"]
    if _known(conn):
        return conn
    raw = props["reach"]
    keys = raw.get("pinned") or [presented_key({"host": raw["host"], "port": raw["port"]})]
    return {"host": raw["host"], "port": raw["port"], "user": raw["user"], "key_file": raw["key_file"],
            "host_keys": keys}


def probe(props) -> list[str]:
    from ..config.home_ports import Binding
    from ..render.port_probe import PROBE_SCRIPT, parse_probe, taken
    from .ssh import run

    out, _ = run(_connection(props), PROBE_SCRIPT, timeout=60)
    bindings = [Binding(tuple(b["key"]), int(b["port"]), tuple(b["addresses"])) for b in props["bindings"]]
    return taken(bindings, parse_probe(out), props["own_prefix"], props["host_name"])


class _PortsFreeProvider(ResourceProvider):
    def check(self, _olds, news):
        if not _known({k: news.get(k) for k in ("reach", "bindings", "own_prefix", "host_name")}):
            return CheckResult(news, [])
        return CheckResult(news, [CheckFailure("bindings", line) for line in probe(news)])

    def create(self, props):
        return CreateResult(id_=f"{props['host_name']}-ports", outs=props)

    def diff(self, _id, olds, news):
        # Nothing on the box changes with this resource: a new port set is
        # an update of the record, and the probe ran in check already.
        changed = [k for k in ("bindings", "own_prefix") if olds.get(k) != news.get(k)]
        return DiffResult(changes=bool(changed))

    def update(self, _id, _olds, news):
        from pulumi.dynamic import UpdateResult

        return UpdateResult(outs=news)

    def read(self, id_, props):
        return ReadResult(id_=id_, outs=props)


class PortsFree(Resource, module="host", name="PortsFree"):
    def __init__(self, name: str, host_name: str, reach: dict, connection: pulumi.Input[dict],
                 bindings: list[dict], own_prefix: str, opts: pulumi.ResourceOptions | None = None):
        super().__init__(_PortsFreeProvider(), name, {
            "host_name": host_name, "reach": reach, "connection": connection, "bindings": bindings,
            "own_prefix": own_prefix,
        }, opts)
