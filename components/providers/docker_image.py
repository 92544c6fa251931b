"""A Docker image built from a context directory, rebuilt when its content
changes, and, with images.refresh_days, when Debian's security archive has
updates for its packages and it is older than that many days."""

from __future__ import annotations

import time
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, ResourceProvider


DAY_S = 86400


def refresh_stamp(props: dict[str, Any], now: float) -> str:
    """The Dockerfiles' SECURITY_REFRESH: with a refresh period, the day of
    the build (the upgrade layer is built again once a day at most); without,
    "none" (the layer does nothing, and the lab's builds stay cached)."""
    return time.strftime("%Y-%m-%d", time.gmtime(now)) if props.get("refresh_days") else "none"


def _arch(props: dict[str, Any]) -> str:
    from ..config.arch import machine_arch

    platform = props.get("platform") or ""
    return platform.split("/", 1)[1] if platform else machine_arch()


def _installed(client, image_id: str) -> dict[str, str]:
    """The image's packages and their versions, as dpkg records them."""
    from ..render.apt_versions import parse_installed

    out = client.containers.run(image_id, entrypoint=["dpkg-query"], command=["-W", "-f", "${Package} ${Version}\n"],
                                user="0", network_mode="none", remove=True)
    return parse_installed(out.decode(errors="replace"))


def security_behind(olds: dict[str, Any], news: dict[str, Any], now: float) -> list[str]:
    """Why the image must be built again for security updates, if it must:
    it is older than refresh_days and the archive has newer versions of
    packages it has (or it predates the record of them)."""
    days = news.get("refresh_days") or 0
    if not days:
        return []
    built_at = olds.get("built_at")
    if not built_at or not olds.get("packages"):
        return ["built before its packages were recorded"]
    if now - built_at < days * DAY_S:
        return []
    from ..render.apt_versions import behind
    from .apt_archive import archive_versions

    return [str(b) for b in behind(olds["packages"], archive_versions(news["release"], _arch(news)))]


# What a clone may hold in an image's folder that is not the image's: the
# unit tier imports the metrics image's Python scripts, and Python leaves its
# bytecode beside them. Neither hashed (container_image.context_hash) nor
# sent to the build, so one commit is one image on every machine (a state
# restored on another clone previews clean).
NOT_CONTEXT = ("__pycache__",)


class _ImageProvider(ResourceProvider):
    def _build(self, props: dict[str, Any]) -> str:
        import shutil
        import tempfile

        import docker

        client = docker.from_env()
        with tempfile.TemporaryDirectory(prefix="personal-as-build-") as ctx:
            # The context is the image's folder plus files made outside the
            # repo (Krill's cached binaries), assembled only at build time.
            shutil.copytree(props["context"], ctx, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns(*NOT_CONTEXT))
            for name, src in (props.get("extra_files") or {}).items():
                shutil.copy2(src, f"{ctx}/{name}")
            # Host network: the lab needs no Docker bridge (and none exists).
            try:
                image, _logs = client.images.build(
                    path=ctx, tag=props["tag"],
                    buildargs={**(props.get("build_args") or {}),
                               "SECURITY_REFRESH": refresh_stamp(props, time.time())},
                    network_mode="host", rm=True, forcerm=True, pull=False, platform=props.get("platform") or None,
                    labels={**(props.get("labels") or {}), "personal-as.context-hash": props["context_hash"]},
                )
            except docker.errors.BuildError as err:
                tail = "".join(c.get("stream", "") for c in err.build_log if isinstance(c, dict))[-3000:]
                raise RuntimeError(f"building {props['tag']} failed: {err.msg}\n{tail}") from None
        return image.id

    def create(self, props):
        import docker

        image_id = self._build(props)
        outs = {**props, "image_id": image_id}
        if props.get("refresh_days"):
            # What a later preview compares with the archive.
            outs.update(built_at=time.time(), packages=_installed(docker.from_env(), image_id))
        return CreateResult(id_=props["tag"], outs=outs)

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
        elif not changes and security_behind(olds, news, time.time()):
            # Shown as a change of its packages: `up` builds it again, and
            # only the upgrade layer is new.
            changes.append("packages")
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
                 refresh_days: int = 0, release: str = "", opts: pulumi.ResourceOptions | None = None):
        super().__init__(
            _ImageProvider(), name,
            {"tag": tag, "context": context, "context_hash": context_hash,
             "build_args": build_args or {}, "labels": labels or {},
             "extra_files": extra_files or {}, "platform": platform, "refresh_days": refresh_days,
             "release": release, "image_id": None, "built_at": None, "packages": None},
            opts,
        )
