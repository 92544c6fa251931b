"""BirdRouter: BIRD 2 on a host, its config applied by reload, never by restart."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from .container_image import ContainerImage
from .host import Host
from .providers.remote_command import RemoteCommand
from .render.provision import render_bird_apply, render_bird_check, render_file_remove
from .service import ServiceArgs, ServiceContainer, service_urn, ship_image

BIRD_MOUNTS = ["/etc/bird", "/run/bird"]
BIRD_CONF = "/etc/bird/bird.conf"
BIRD_SOCKET = "/run/bird/bird.ctl"
# How long a changed config has to bring its sessions back to Established
# before it is rolled back: a BGP hold time on a real host, whose neighbour
# is another operator's router; 45 s on a lab host, whose neighbours are
# containers on the same machine (a legitimate change there is Established
# again in seconds).
VERIFY_S = 90
LAB_VERIFY_S = 45


@dataclass
class BirdRouterArgs:
    stack: str
    host: Host
    image: ContainerImage
    config: pulumi.Input[str]  # rendered bird.conf; secret when it holds a password
    # BGP sessions that must be Established before a change is confirmed.
    verify_sessions: list[str]
    after: list[pulumi.Resource] | None = None
    verify_seconds: int = VERIFY_S
    # A job of the host's own reconfigures this BIRD on purpose (the lab
    # transit's registry filter): what it runs is not the stack's to check.
    reconfigured_by_others: bool = False


class BirdRouter(pulumi.ComponentResource):
    def __init__(self, name: str, args: BirdRouterArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("personal-as:net:BirdRouter", name, None, opts)
        shipped = None
        check_image = None
        if args.host.ships_images:
            # A real host's own `bird -p` is its release's BIRD (Debian 12's
            # is 2.0.12), not the image's (2.17): a new config is checked by
            # the BIRD that will run it, so the image is there first. It was
            # the service's child before: the alias keeps that transfer.
            service_name = f"{name}-bird"
            shipped = ship_image(service_name, args.host, args.image, parent=self, aliases=[
                pulumi.Alias(parent=self.urn.apply(lambda u: service_urn(u, service_name)))])
            check_image = args.image.tag
        self.config = RemoteCommand(
            f"{name}-config", connection=args.host.connection,
            create=render_bird_apply(args.verify_sessions, verify_seconds=args.verify_seconds,
                                     running_check=not args.reconfigured_by_others, check_image=check_image),
            delete=render_file_remove(BIRD_CONF, remove_dirs=("/etc/bird",)),
            drift_check=render_bird_check(BIRD_CONF, running_check=not args.reconfigured_by_others),
            stdin=pulumi.Output.secret(args.config), timeout=300,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*args.host.ready, *(args.after or []),
                                                                 *([shipped] if shipped else [])]),
        )
        self.service = ServiceContainer(f"{name}-bird", ServiceArgs(
            stack=args.stack, host=args.host, service="bird", image=args.image,
            mounts=BIRD_MOUNTS, after=[self.config], run_dirs={"/run/bird": "0750 bird bird"}, shipped=shipped,
        ), opts=pulumi.ResourceOptions(parent=self))
        self.rendered = pulumi.Output.secret(args.config)
        self.register_outputs({"container": self.service.container_name})
