"""HostPlatform: preview reads a real host's release, architecture and
network stack, and refuses one the stack cannot work with, before any
package is installed. Like PortsFree, the probe runs in `check`, which the
engine calls in every preview and every `up`, also before the first; once
the host is in the state it is not probed again (unless its address
changes)."""

from __future__ import annotations

import dataclasses

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult, Resource, ResourceProvider

from .port_probe import _connection, _known


def probe(props) -> dict:
    from ..render.platform_probe import parse_probe, probe_script
    from .ssh import run

    out, _ = run(_connection(props), probe_script(), timeout=60)
    return dataclasses.asdict(parse_probe(out))


def refusals(props, platform: dict) -> list[str]:
    from ..render.platform_probe import Platform, problems

    return problems(Platform.of(platform), props["host_name"], props["reach"]["host"], props["arch"])


class _HostPlatformProvider(ResourceProvider):
    def check(self, olds, news):
        if not _known({k: news.get(k) for k in ("reach", "host_name", "arch")}):
            return CheckResult(news, [])
        if (olds or {}).get("platform") and olds.get("reach") == news["reach"]:
            # Probed before the first `up` put anything on this host; from
            # then on its network's own apply finds the stack again at every
            # change, and its drift check reads what that apply recorded. A
            # probe per preview would cost an SSH round trip for nothing.
            # The config is judged again (hosts.<name>.arch may have changed).
            platform = olds["platform"]
        else:
            platform = probe(news)
        found = refusals(news, platform)
        return CheckResult({**news, "platform": platform}, [CheckFailure("platform", line) for line in found])

    def create(self, props):
        return CreateResult(id_=f"{props['host_name']}-platform", outs=props)

    def diff(self, _id, olds, news):
        # A host whose release or network stack changed under the stack is
        # worth a line in the plan; nothing on it changes with this record.
        return DiffResult(changes=olds.get("platform") != news.get("platform"))

    def update(self, _id, _olds, news):
        from pulumi.dynamic import UpdateResult

        return UpdateResult(outs=news)

    def read(self, id_, props):
        return ReadResult(id_=id_, outs=props)


class HostPlatform(Resource, module="host", name="HostPlatform"):
    platform: pulumi.Output[dict]

    def __init__(self, name: str, host_name: str, reach: dict, connection: pulumi.Input[dict], arch: str,
                 opts: pulumi.ResourceOptions | None = None):
        super().__init__(_HostPlatformProvider(), name, {
            "host_name": host_name, "reach": reach, "connection": connection, "arch": arch, "platform": None,
        }, opts)
