"""A Docker image built from a context directory, rebuilt only when its content changes."""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, ResourceProvider


class _ImageProvider(ResourceProvider):
    def _build(self, props: dict[str, Any]) -> str:
        import shutil
        import tempfile

        import docker

        client = docker.from_env()
        with tempfile.TemporaryDirectory(prefix="personal-as-build-") as ctx:
            # The context is the image's folder plus files made outside the
            # repo (Krill's cached binaries), assembled only at build time.
            shutil.copytree(props["context"], ctx, dirs_exist_ok=True)
            for name, src in (props.get("extra_files") or {}).items():
                shutil.copy2(src, f"{ctx}/{name}")
            # Host network: the lab needs no Docker bridge (and none exists).
            try:
                image, _logs = client.images.build(
                    path=ctx, tag=props["tag"], buildargs=props.get("build_args") or {},
                    network_mode="host", rm=True, forcerm=True, pull=False, platform=props.get("platform") or None,
                    labels={**(props.get("labels") or {}), "personal-as.context-hash": props["context_hash"]},
                )
            except docker.errors.BuildError as err:
                tail = "".join(c.get("stream", "") for c in err.build_log if isinstance(c, dict))[-3000:]
                raise RuntimeError(f"building {props['tag']} failed: {err.msg}\n{tail}") from None
        return image.id

    def create(self, props):
        image_id = self._build(props)
        return CreateResult(id_=props["tag"], outs={**props, "image_id": image_id})

    def diff(self, _id, olds, news):
        import docker

        keys = ("tag", "context_hash", "build_args", "platform")
        # `or None`: a state from before `platform` existed holds none, which is "".
        changes = [k for k in keys if (olds.get(k) or None) != (news.get(k) or None)]
        try:
            present = docker.from_env().images.get(news["tag"]).id == olds.get("image_id")
        except Exception:  # noqa: BLE001 - missing or engine error: rebuild
            present = False
        if not present:
            changes.append("image_id")
        return DiffResult(changes=bool(changes), replaces=changes, delete_before_replace=False)

    def read(self, id_, props):
        return ReadResult(id_=id_, outs=props)

    def delete(self, _id, _props):
        # Images are a build cache, kept across destroy so the next `up` is fast.
        return None


class DockerImage(Resource, module="docker", name="Image"):
    image_id: pulumi.Output[str]
    tag: pulumi.Output[str]

    def __init__(self, name: str, tag: str, context: str, context_hash: str,
                 build_args: dict[str, str] | None = None, labels: dict[str, str] | None = None,
                 extra_files: dict[str, str] | None = None, platform: str = "",
                 opts: pulumi.ResourceOptions | None = None):
        super().__init__(
            _ImageProvider(), name,
            {"tag": tag, "context": context, "context_hash": context_hash,
             "build_args": build_args or {}, "labels": labels or {},
             "extra_files": extra_files or {}, "platform": platform, "image_id": None},
            opts,
        )
