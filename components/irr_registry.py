"""IrrRegistry: the lab's routing registry, IRRd 4 with PostgreSQL and
Redis from Debian, each in a container of its own on lab host `irr`.

The override password is the registry operator's (the RIR's): the stack
makes it, keeps it secret, and gives IRRd only its bcrypt hash.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pulumi

from .container_image import ContainerImage
from .host import Host
from .host_file import host_file
from .lab_plan import IRR_NAME
from .providers.irr_objects import IrrObjects
from .providers.password_hash import PasswordHash
from .providers.secrets import RandomToken
from .render.irr import lab_registry_objects
from .render.irrd import HTTP_PORT, IRRD_CONF, render_irrd_conf
from .service import ServiceArgs, ServiceContainer

# The submission API as the stack reaches it: from the registry host itself,
# over SSH (IRRd's API has no TLS; the passwords never leave the host). By
# name: IRRd refuses a Host header other than its own URL's.
LOCAL_API = f"http://{IRR_NAME}:{HTTP_PORT}"


@dataclass
class IrrRegistryArgs:
    stack: str
    host: Host
    irrd_image: ContainerImage
    postgres_image: ContainerImage
    redis_image: ContainerImage
    source: str
    after: list[pulumi.Resource] = field(default_factory=list)


class IrrRegistry(pulumi.ComponentResource):
    def __init__(self, name: str, args: IrrRegistryArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("personal-as:irr:IrrRegistry", name, None, opts)
        host = args.host
        child = pulumi.ResourceOptions(parent=self)
        self.override = RandomToken(f"{name}-override", purpose="irr-override-password", opts=child).value
        override_hash = PasswordHash(f"{name}-override-hash", self.override, opts=child)
        conf = pulumi.Output.secret(override_hash.hash.apply(
            lambda h: render_irrd_conf(args.source, f"http://{IRR_NAME}:{HTTP_PORT}/", h)))
        # The config changes only with the override (made once): IRRd is
        # started anew then (restart_with below), not reloaded.
        self.config = host_file(f"{name}-config", host, IRRD_CONF, conf, remove_dirs=("/etc/irrd",),
                                opts=pulumi.ResourceOptions(parent=self, depends_on=[*host.ready, *args.after]))
        self.postgres = ServiceContainer(f"{name}-postgres", ServiceArgs(
            stack=args.stack, host=host, service="postgres", image=args.postgres_image,
            mounts=["/var/lib/postgresql"], after=args.after,
        ), opts=child)
        self.redis = ServiceContainer(f"{name}-redis", ServiceArgs(
            stack=args.stack, host=host, service="redis", image=args.redis_image, mounts=[], after=args.after,
        ), opts=child)
        self.irrd = ServiceContainer(f"{name}-irrd", ServiceArgs(
            stack=args.stack, host=host, service="irrd", image=args.irrd_image, mounts=["/etc/irrd", "/run/irrd"],
            after=[self.config, self.postgres.container, self.redis.container],
            # A new override (a new state) reaches IRRd's auth checks by a
            # restart: its forked workers keep the settings they started with.
            restart_with=pulumi.Output.unsecret(conf.apply(lambda c: hashlib.sha256(c.encode()).hexdigest()[:16])),
        ), opts=child)
        self.api = LOCAL_API
        self.via = host.connection
        # The registry's own side, as the RIR keeps it (by override): its
        # maintainer and contact, and the block its assignments come from.
        self.rir_objects = IrrObjects(
            f"{name}-rir-objects", LOCAL_API,
            override_hash.hash.apply(lambda h: lab_registry_objects(args.source, f"BCRYPT-PW {h}")),
            via=host.connection, override=self.override, keep_on_delete=True,  # they go with the registry
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.irrd.container]))
        self.register_outputs({"container": self.irrd.container_name})
