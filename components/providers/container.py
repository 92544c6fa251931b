"""Docker containers and volumes, labelled with the project and stack.

Leftovers (a container or volume from a run whose state is gone) are found
by name and label: ours are removed and recreated, anything else with the
name is an error rather than a silent clash.
"""

from __future__ import annotations

import io
import tarfile
import time
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, ResourceProvider

from .docker_engine import container_status, engine, forget_snapshot

PROJECT_LABEL = "personal-as.project"


def _tar(files: dict[str, dict[str, Any]]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for path, f in files.items():
            data = f["content"].encode()
            info = tarfile.TarInfo(path.lstrip("/"))
            info.size, info.mode = len(data), int(f.get("mode", "0644"), 8)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _log_config(spec: dict | None):
    if not spec:
        return None
    from docker.types import LogConfig

    return LogConfig(type=spec["type"], config=spec.get("options") or {})


def _remove_leftover(client, kind: str, name: str, project: str) -> None:
    import docker

    getter = client.containers if kind == "container" else client.volumes
    try:
        old = getter.get(name)
    except docker.errors.NotFound:
        return
    labels = old.attrs.get("Config", {}).get("Labels") if kind == "container" else old.attrs.get("Labels")
    if (labels or {}).get(PROJECT_LABEL) != project:
        raise RuntimeError(
            f"a {kind} named {name!r} exists and was not made by personal-as; remove or rename it"
        )
    if kind == "container":
        old.remove(force=True, v=False)
    else:
        old.remove(force=True)


# A daemon that cannot start (its port taken, its config refused) exits
# within a second or two, and Docker restarts it: after this long a
# container that is not running, or has restarted, failed.
SETTLE_S = 4


def _still_running(c, name: str) -> None:
    """Raise, naming the container and quoting its last log lines, unless it
    is still running, unrestarted, SETTLE_S after its start: an `up` that
    reports success over a crash-looping daemon is the worst kind of lie."""
    time.sleep(SETTLE_S)
    c.reload()
    state = c.attrs.get("State", {})
    if state.get("Status") == "running" and not c.attrs.get("RestartCount"):
        return
    logs = c.logs(tail=20).decode(errors="replace").rstrip()
    restarts = c.attrs.get("RestartCount", 0)
    how = (f"crash-looping (Docker restarted it {restarts} times)" if restarts
           else f"{state.get('Status')} (exit code {state.get('ExitCode')})")
    raise RuntimeError(f"container {name} is {how} {SETTLE_S} s after it started; its daemon's last log lines:\n"
                       f"{logs or '(none)'}")


def _healthcheck(client, props) -> dict | None:
    """The image's own health probe on the host's schedule (`health_probe`:
    interval and timeout in seconds), or None: the image's, as it is. Given
    whole, not as a partial override, so it never depends on how the
    engine merges one with the image's."""
    schedule = props.get("health_probe")
    if not schedule:
        return None
    probe = (client.images.get(props["image"]).attrs.get("Config") or {}).get("Healthcheck")
    if not probe or not probe.get("Test") or probe["Test"] == ["NONE"]:
        return None
    return {"test": probe["Test"], "interval": int(schedule["interval"]) * 1_000_000_000,
            "timeout": int(schedule["timeout"]) * 1_000_000_000,
            "retries": probe.get("Retries"), "start_period": probe.get("StartPeriod")}


class _ContainerProvider(ResourceProvider):
    def create(self, props):
        forget_snapshot(props.get("engine"))
        with engine(props.get("engine")) as client:
            return self._create(client, props)

    def _create(self, client, props):
        _remove_leftover(client, "container", props["name"], props["labels"][PROJECT_LABEL])
        api = client.api
        host_config = api.create_host_config(
            network_mode=props["network_mode"], privileged=bool(props.get("privileged")),
            cap_add=props.get("cap_add") or None, cap_drop=props.get("cap_drop") or None,
            security_opt=props.get("security_opt") or None, pid_mode=props.get("pid_mode") or None,
            binds={v: {"bind": path, "mode": "rw"} for v, path in (props.get("volumes") or {}).items()},
            restart_policy={"Name": props.get("restart", "unless-stopped")},
            sysctls=props.get("sysctls") or None, init=bool(props.get("init")),
            extra_hosts=props.get("extra_hosts") or None,
            log_config=_log_config(props.get("log")),
            read_only=bool(props.get("read_only")),
            # Scratch space a read-only image still needs; nosuid,nodev as a
            # host's /tmp, owned by root (a daemon's entrypoint makes its own).
            tmpfs={path: "rw,nosuid,nodev,size=64m" for path in props.get("tmpfs") or []} or None,
        )
        if props.get("unconfined_proc"):
            # `--security-opt systempaths=unconfined`: a writable /proc/sys for
            # sysctls, which the Python SDK does not expose by name.
            host_config["MaskedPaths"] = []
            host_config["ReadonlyPaths"] = []
        created = api.create_container(
            image=props["image"], name=props["name"], hostname=props.get("hostname") or None,
            labels=props["labels"], environment=props.get("env") or None, command=props.get("command") or None,
            host_config=host_config, detach=True, healthcheck=_healthcheck(client, props),
        )
        c = client.containers.get(created["Id"])
        if props.get("files"):
            c.put_archive("/", _tar(props["files"]))
        c.start()
        _still_running(c, props["name"])
        return CreateResult(id_=c.id, outs={**props, "container_id": c.id})

    def diff(self, id_, olds, news):
        keys = [k for k in news if k != "container_id" and olds.get(k) != news.get(k)]
        spec = news.get("engine")
        if spec is not None and not isinstance(spec, dict):
            # Not known yet (the host is changing too): it will be replaced.
            return DiffResult(changes=True, replaces=keys or ["engine"], delete_before_replace=True)
        status = container_status(spec, id_)
        if status is None:
            keys.append("container_id")  # gone behind our back: make it again
        elif status != "running":
            # Stopped by hand (`docker stop`): unless-stopped would keep it
            # down even across a reboot. Crash-looping (restarted by Docker
            # within the last minute and a half): made again, and `up` then
            # fails with its logs if it still cannot run.
            keys.append("container_id")
        # Containers are immutable: any change replaces. Configs that change
        # often are not container inputs; they are deployed over SSH and reloaded.
        return DiffResult(changes=bool(keys), replaces=keys, delete_before_replace=True)

    def read(self, id_, props):
        return ReadResult(id_=id_, outs=props)

    def delete(self, id_, props):
        import docker

        forget_snapshot(props.get("engine"))
        with engine(props.get("engine")) as client:
            try:
                client.containers.get(id_).remove(force=True, v=False)
            except docker.errors.NotFound:
                pass


class Container(Resource, module="docker", name="Container"):
    container_id: pulumi.Output[str]
    name: pulumi.Output[str]

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None):
        # Names are unique on the engine: the old container must go before its
        # replacement can take the name.
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(delete_before_replace=True))
        super().__init__(_ContainerProvider(), name, {**props, "container_id": None}, opts)


class _VolumeProvider(ResourceProvider):
    def create(self, props):
        import docker

        client = docker.from_env()
        try:
            existing = client.volumes.get(props["name"])
        except docker.errors.NotFound:
            existing = None
        if existing is not None and (existing.attrs.get("Labels") or {}).get(PROJECT_LABEL) == props["labels"][PROJECT_LABEL]:
            # A volume of ours whose state was lost: adopt it, its data is the
            # point (Krill's keys), never wipe it.
            return CreateResult(id_=props["name"], outs=props)
        if existing is not None:
            raise RuntimeError(f"a volume named {props['name']!r} exists and was not made by personal-as")
        client.volumes.create(name=props["name"], labels=props["labels"])
        return CreateResult(id_=props["name"], outs=props)

    def diff(self, _id, olds, news):
        import docker

        keys = [k for k in ("name",) if olds.get(k) != news.get(k)]
        try:
            labels = docker.from_env().volumes.get(news["name"]).attrs.get("Labels") or {}
            if labels.get(PROJECT_LABEL) != news["labels"][PROJECT_LABEL]:
                keys.append("labels")
        except docker.errors.NotFound:
            # Gone behind our back: make it again now, or Docker would create
            # an unlabelled one the moment a container mounts the name.
            keys.append("labels")
        return DiffResult(changes=bool(keys), replaces=keys, delete_before_replace=True)

    def delete(self, id_, _props):
        import docker

        try:
            docker.from_env().volumes.get(id_).remove(force=True)
        except docker.errors.NotFound:
            pass


class Volume(Resource, module="docker", name="Volume"):
    def __init__(self, name: str, volume_name: str, labels: dict[str, str], opts: pulumi.ResourceOptions | None = None):
        # The replacement has the same name: the old one must be gone first,
        # or deleting it afterwards would delete the new one.
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(delete_before_replace=True))
        super().__init__(_VolumeProvider(), name, {"name": volume_name, "labels": labels}, opts)
