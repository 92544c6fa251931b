"""WebServer: nginx serving the route0 page from inside the announced prefix."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from .container_image import ContainerImage
from .host import Host
from .providers.remote_command import RemoteCommand
from .render.nginx import ROUTE0_ROOT
from .render.provision import render_file_apply
from .service import ServiceArgs, ServiceContainer

NGINX_CONF = "/etc/nginx/personal-as/nginx.conf"
NGINX_MOUNTS = ["/etc/nginx/personal-as", "/run/nginx"]
RELOAD = f"if [ -s /run/nginx/nginx.pid ]; then nginx -s reload -c {NGINX_CONF}; fi"


def nginx_config_command(name: str, host: Host, text: pulumi.Input[str], parent: pulumi.Resource,
                         after: list[pulumi.Resource]) -> RemoteCommand:
    """Install an nginx.conf after `nginx -t`, and reload a running nginx."""
    return RemoteCommand(
        name, connection=host.connection,
        # `nginx -t` opens the pid file's directory: on a real host nothing
        # has made /run/nginx yet (in the lab it is a volume).
        create=render_file_apply(NGINX_CONF, check=f"nginx -q -t -c {{file}}", reload=RELOAD, dirs=("/run/nginx",)),
        stdin=text, opts=pulumi.ResourceOptions(parent=parent, depends_on=[*host.ready, *after]),
    )


@dataclass
class WebServerArgs:
    stack: str
    host: Host
    image: ContainerImage
    config: str
    page: str
    health_url: str
    after: list[pulumi.Resource] | None = None


class WebServer(pulumi.ComponentResource):
    def __init__(self, name: str, args: WebServerArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("personal-as:web:WebServer", name, None, opts)
        after = list(args.after or [])
        self.page = RemoteCommand(
            f"{name}-page", connection=args.host.connection,
            create=render_file_apply(f"{ROUTE0_ROOT}/index.html", mode="0644"), stdin=args.page,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*args.host.ready, *after]),
        )
        self.config = nginx_config_command(f"{name}-config", args.host, args.config, self, after)
        self.service = ServiceContainer(f"{name}-nginx", ServiceArgs(
            stack=args.stack, host=args.host, service="nginx", image=args.image,
            mounts=[*NGINX_MOUNTS, ROUTE0_ROOT], env={"NGINX_HEALTH_URL": args.health_url},
            after=[self.config, self.page],
        ), opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({"container": self.service.container_name})
