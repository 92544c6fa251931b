"""Ship a locally built image to a prod host without a registry:
`docker save` here, streamed over SSH into `docker load` there."""

from __future__ import annotations

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, ResourceProvider


class _TransferProvider(ResourceProvider):
    def create(self, props):
        import docker

        from .remote_command import _connect, run

        conn, tag = props["connection"], props["tag"]
        out, _ = run(conn, f"docker image inspect -f '{{{{.Id}}}}' {tag} 2>/dev/null || true")
        if out.strip() != props["image_id"]:
            client = _connect(conn)
            try:
                stdin, stdout, stderr = client.exec_command("docker load")
                for chunk in docker.from_env().images.get(tag).save(named=True):
                    stdin.write(chunk)
                stdin.channel.shutdown_write()
                if stdout.channel.recv_exit_status() != 0:
                    raise RuntimeError(f"docker load of {tag} on {conn['host']} failed: {stderr.read().decode()}")
            finally:
                client.close()
        return CreateResult(id_=f"{conn['host']}/{tag}", outs=props)

    def diff(self, _id, olds, news):
        keys = [k for k in ("tag", "image_id") if olds.get(k) != news.get(k)]
        if olds.get("connection", {}).get("host") != news["connection"]["host"]:
            keys.append("connection")
        return DiffResult(changes=bool(keys), replaces=keys)

    def read(self, id_, props):
        return ReadResult(id_=id_, outs=props)


class ImageTransfer(Resource, module="docker", name="ImageTransfer"):
    def __init__(self, name: str, connection: pulumi.Input[dict], tag: str, image_id: pulumi.Input[str],
                 opts: pulumi.ResourceOptions | None = None):
        super().__init__(_TransferProvider(), name, {"connection": connection, "tag": tag, "image_id": image_id}, opts)
