"""Ship a locally built image to a real host without a registry:
`docker save` here, streamed over the project's SSH connection into
`docker load` there (as root, through sudo for a non-root user)."""

from __future__ import annotations

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, ResourceProvider


class _TransferProvider(ResourceProvider):
    def create(self, props):
        import docker

        from .ssh import as_root, connect, run

        conn, tag = props["connection"], props["tag"]
        out, _ = run(conn, f"docker image inspect -f '{{{{.Id}}}}' {tag} 2>/dev/null || true")
        if out.strip() != props["image_id"]:
            client = connect(conn)
            try:
                stdin, stdout, stderr = client.exec_command(as_root(conn, "docker load -q"))
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
        conn = news.get("connection")
        if not isinstance(conn, dict) or olds.get("connection", {}).get("host") != conn.get("host"):
            keys.append("connection")
        return DiffResult(changes=bool(keys), replaces=keys)

    def read(self, id_, props):
        return ReadResult(id_=id_, outs=props)

    def delete(self, _id, props):
        from .ssh import HostKeyMismatch, RemoteCommandError, run

        try:
            # Only the tag the stack shipped; layers another image uses stay.
            run(props["connection"], f"if command -v docker >/dev/null; then docker image rm {props['tag']} >/dev/null 2>&1 || true; fi")
        except HostKeyMismatch:
            raise
        except RemoteCommandError as err:
            if "cannot reach" not in str(err):
                raise


class ImageTransfer(Resource, module="docker", name="ImageTransfer"):
    def __init__(self, name: str, connection: pulumi.Input[dict], tag: str, image_id: pulumi.Input[str],
                 opts: pulumi.ResourceOptions | None = None):
        super().__init__(_TransferProvider(), name, {"connection": connection, "tag": tag, "image_id": image_id}, opts)
