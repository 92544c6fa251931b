"""Ship a locally built image to a real host, without a registry of the host's.

The image is pushed into a loopback registry here (registry.py), and the
host's docker pulls it through a reverse SSH tunnel (tunnel.py). Layers go
compressed, and only those the host lacks: after a change to one image's top
layer, only that layer, its config and its manifest cross the wire.
"""

from __future__ import annotations

import time

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, ResourceProvider

from ..render.env import sh_word


def image_on_host(conn: dict, tag: str) -> str:
    """The id of `tag` on the host, or "" if it has no such image."""
    from .ssh import run

    out, _ = run(conn, f"docker image inspect -f '{{{{.Id}}}}' {sh_word(tag)} 2>/dev/null || true")
    return out.strip()


def ship(conn: dict, tag: str) -> dict:
    """Send `tag` to the host: {"bytes": sent on the wire, "seconds": push and pull}."""
    from .registry import REGISTRY_PORT, local_registry, push
    from .ssh import connect, run_on
    from .tunnel import reverse_tunnel

    began = time.monotonic()
    with local_registry() as registry:
        push(tag, registry)
        client = connect(conn)
        try:
            with reverse_tunnel(client, conn, REGISTRY_PORT) as (port, meter):
                remote = sh_word(f"127.0.0.1:{port}/{tag}")
                # The tunnel's port changes every time, so the alias goes; the
                # layers stay, known by digest to the next pull from any port.
                run_on(client, conn, f"docker pull -q {remote} >/dev/null && docker tag {remote} {sh_word(tag)} "
                                     f"&& docker image rm {remote} >/dev/null", timeout=3600)
        finally:
            client.close()
    return {"bytes": meter.sent, "seconds": round(time.monotonic() - began, 1)}


class _TransferProvider(ResourceProvider):
    def create(self, props):
        conn, tag = props["connection"], props["tag"]
        shipped = {"bytes": 0, "seconds": 0.0}
        if image_on_host(conn, tag) != props["image_id"]:
            shipped = ship(conn, tag)
            got = image_on_host(conn, tag)
            if got != props["image_id"]:
                raise RuntimeError(f"{tag} on {conn['host']} is {got or 'missing'} after shipping, "
                                   f"not {props['image_id']}")
        return CreateResult(id_=f"{conn['host']}/{tag}",
                            outs={**props, "shipped_bytes": shipped["bytes"], "shipped_seconds": shipped["seconds"]})

    def diff(self, _id, olds, news):
        keys = [k for k in ("tag", "image_id") if olds.get(k) != news.get(k)]
        conn = news.get("connection")
        if not isinstance(conn, dict) or olds.get("connection", {}).get("host") != conn.get("host"):
            keys.append("connection")
        return DiffResult(changes=bool(keys), replaces=keys)

    def read(self, id_, props):
        return ReadResult(id_=id_, outs=props)

    def delete(self, _id, props):
        from .ssh import run_unless_gone

        # Only the tag the stack shipped; layers another image uses stay.
        run_unless_gone(props["connection"],
                        f"if command -v docker >/dev/null; then docker image rm {props['tag']} >/dev/null 2>&1 || true; fi")


class ImageTransfer(Resource, module="docker", name="ImageTransfer"):
    def __init__(self, name: str, connection: pulumi.Input[dict], tag: str, image_id: pulumi.Input[str],
                 opts: pulumi.ResourceOptions | None = None):
        super().__init__(_TransferProvider(), name, {"connection": connection, "tag": tag, "image_id": image_id}, opts)
