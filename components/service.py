"""ServiceContainer: one daemon of a host, in its own container.

It joins the host's network namespace (lab: the host container's; prod: the
host's own). Its PID namespace is its own unless its row in
components/privileges.py says why the host must signal it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pulumi

from . import naming
from .container_image import ContainerImage
from .host import Host
from .host_file import host_file
from .providers.container import Container
from .providers.image_transfer import ImageTransfer
from .privileges import privileges
from .render.env import sh_word


@dataclass
class ServiceArgs:
    stack: str
    host: Host
    service: str
    image: ContainerImage
    mounts: list[str]  # host paths shared with the service, at the same path
    env: dict[str, str] = field(default_factory=dict)  # never secrets: env shows in docker inspect
    # What must be in place first (the config the daemon starts with).
    after: list[pulumi.Resource] = field(default_factory=list)
    # Runtime directories under /run the daemon needs, made at every boot
    # with their owner ("<mode> <user> <group>"): /run is empty after one, and
    # Docker would make a missing bind-mount source as root.
    run_dirs: dict[str, str] = field(default_factory=dict)
    # The digest of a config the daemon reads only when it starts: a new
    # digest replaces the container (the config itself is deployed over SSH).
    restart_with: pulumi.Input[str] | None = None
    # Arguments to the image's entrypoint (or the command, for an image without one).
    command: list[str] = field(default_factory=list)
    # What the image's transfer to a real host waits for, beyond its engine:
    # a host pulls every image at once otherwise, and on a small machine the
    # ones on the way to an announced, valid route should not queue behind
    # the rest.
    ship_after: list[pulumi.Resource] = field(default_factory=list)
    # The image's transfer to a real host, when something before the
    # container needs the image there (bird-apply checks a config with the
    # image's own `bird -p`): made by ship_image, not again here.
    shipped: pulumi.Resource | None = None


def ship_image(name: str, host: Host, image: ContainerImage, after: list[pulumi.Resource] | tuple = (),
               parent: pulumi.Resource | None = None, aliases: list | None = None) -> ImageTransfer:
    """A real host has no registry to pull from: the image goes over SSH,
    once the host's engine runs. `name` is the service's resource name."""
    return ImageTransfer(
        f"{name}-image", host.connection, image.tag, image.image_id,
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[*host.engine_ready, *after], aliases=aliases))


def service_urn(parent_urn: str, name: str) -> str:
    """The URN a ServiceContainer called `name` has under the resource whose
    URN is `parent_urn` (for an alias: what used to be its child)."""
    # urn:pulumi:<stack>::<project>::<parent types>::<parent name>
    prefix, types, _parent_name = parent_urn.rsplit("::", 2)
    return f"{prefix}::{types}$personal-as:host:Service::{name}"


def config_digest(text: pulumi.Input[str], secret: bool = False) -> pulumi.Output[str]:
    """A short digest of a config a daemon reads only when it starts (for
    `restart_with`). Kept secret when the config holds one: a digest is no
    secret, but the state need not hold even that."""
    digest = pulumi.Output.unsecret(pulumi.Output.from_input(text).apply(
        lambda t: hashlib.sha256(t.encode()).hexdigest()[:16]))
    return pulumi.Output.secret(digest) if secret else digest


# Docker's json-file log, rotated: at most 3 x 10 MB per container, so a
# daemon that logs a lot cannot fill a small VPS's disk.
LOG_OPTIONS = {"max-size": "10m", "max-file": "3"}


class ServiceContainer(pulumi.ComponentResource):
    def __init__(self, name: str, args: ServiceArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("personal-as:host:Service", name, None, opts)
        host = args.host
        self.container_name = naming.service_container(args.stack, host.name, args.service)
        props = {
            "name": self.container_name, "image": args.image.tag, "image_id": args.image.image_id,
            "network_mode": host.network_mode,
            "labels": naming.labels(args.stack, host.name, args.service),
            "volumes": {host.mount_source(p): p for p in args.mounts},
            "env": args.env, "restart": "unless-stopped", "log": {"type": "json-file", "options": LOG_OPTIONS},
        }
        # What the service may do, from its row (components/privileges.py):
        # none of Docker's default capabilities, only its own, and nothing a
        # setuid binary could add back. The lab world's keep Docker's defaults.
        allowed = privileges(args.service)
        if allowed.world:
            props["pid_mode"] = host.pid_mode
        else:
            props.update(cap_drop=["ALL"], cap_add=list(allowed.granted), security_opt=["no-new-privileges:true"])
            if allowed.host_pid:
                props["pid_mode"] = host.pid_mode
            if allowed.read_only:
                props.update(read_only=True, tmpfs=list(allowed.tmpfs))
        props["engine"] = host.engine
        if args.command:
            props["command"] = args.command
        if args.restart_with is not None:
            props["config_digest"] = args.restart_with
        if host.health_probe:
            props["health_probe"] = dict(host.health_probe)
            # The images' probes bound their own request (curl --max-time)
            # to fit the image's 5 s; on this schedule they get nearly all
            # of its timeout, or a busy emulated CPU fails them at 4 s.
            props["env"] = {**(args.env or {}),
                            "HEALTH_PROBE_TIMEOUT_S": str(int(host.health_probe["timeout"]) - 2)}
        after = [*host.engine_ready, *args.after]
        if args.run_dirs:
            tmpfiles = f"/etc/tmpfiles.d/personal-as-{args.service}.conf"
            lines = "".join(f"d {path} {spec} -\n" for path, spec in sorted(args.run_dirs.items()))
            after.append(host_file(
                f"{name}-run-dirs", host, tmpfiles,
                f"# personal-as: {args.service}'s runtime directories, made at every boot.\n{lines}",
                # Where systemd runs (a real host), make them now too.
                reload=f"if command -v systemd-tmpfiles >/dev/null 2>&1; then systemd-tmpfiles --create {sh_word(tmpfiles)}; fi",
                purge_dirs=tuple(sorted(args.run_dirs)),
                # After the host's packages: they make the daemons' users.
                opts=pulumi.ResourceOptions(parent=self, depends_on=host.engine_ready),
            ))
        if args.shipped is not None:
            after.append(args.shipped)
        elif host.ships_images:
            after.append(ship_image(name, host, args.image, args.ship_after, parent=self))
        if host.identity is not None:
            # A new host is a new namespace: the service must follow.
            props["host_id"] = host.identity
        self.container = Container(
            f"{name}-container", props,
            opts=pulumi.ResourceOptions(parent=self, depends_on=after),
        )
        self.register_outputs({"container": self.container_name})
