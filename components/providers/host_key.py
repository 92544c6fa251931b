"""HostKey: a real host's SSH host key, pinned in the state.

On first contact the key the host presents is recorded, unless the config
pins keys already (hosts.<name>.known_hosts), in which case the host must
present one of those. Every later run that connects checks it again: the
diff of this resource runs in every `preview` and `up`, and a changed key
fails the run before anything is sent to the host.
"""

from __future__ import annotations

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, ResourceProvider


def _probe(props) -> str:
    from .ssh import RemoteCommandError, presented_key

    import time

    last: Exception | None = None
    # A machine that was just booted may not answer yet.
    for _ in range(60):
        try:
            return presented_key({"host": props["host"], "port": props["port"], "host_keys": props.get("pinned")})
        except Exception as err:  # noqa: BLE001
            last = err
            time.sleep(2)
    raise RemoteCommandError(f"cannot reach {props['host']}:{props['port']} to read its SSH host key: {last}")


def _mismatch(props, seen: str, expected: list[str]) -> str:
    return (f"host key of {props['host']}:{props['port']} ({props['name']}) does not match: it presented {seen}, "
            f"expected {', '.join(expected)}. Nothing was sent to it. If the machine was reinstalled on purpose, "
            f"pin its new key: pulumi config set --path 'hosts.{props['name']}.known_hosts[0]' '<type> <base64>'")


class _HostKeyProvider(ResourceProvider):
    def create(self, props):
        seen = _probe(props)
        pinned = props.get("pinned") or []
        if pinned and seen not in pinned:
            raise RuntimeError(_mismatch(props, seen, pinned))
        keys = pinned or [seen]
        return CreateResult(id_=f"{props['host']}:{props['port']}", outs={**props, "keys": keys})

    def diff(self, _id, olds, news):
        keys = [k for k in ("host", "port", "pinned") if olds.get(k) != news.get(k)]
        if keys:
            return DiffResult(changes=True, replaces=keys)
        seen = _probe(news)
        if seen not in (olds.get("keys") or []):
            raise RuntimeError(_mismatch(news, seen, olds.get("keys") or []))
        return DiffResult(changes=False)

    def read(self, id_, props):
        return ReadResult(id_=id_, outs=props)


class HostKey(Resource, module="ssh", name="HostKey"):
    keys: pulumi.Output[list]

    def __init__(self, name: str, host_name: str, address: str, port: int, pinned: list[str] | None,
                 opts: pulumi.ResourceOptions | None = None):
        super().__init__(_HostKeyProvider(), name, {
            "name": host_name, "host": address, "port": port, "pinned": pinned or None, "keys": None,
        }, opts)
