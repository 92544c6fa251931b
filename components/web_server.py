"""WebServer: nginx serving the route0 page from inside the announced prefix."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from .container_image import ContainerImage
from .host import Host
from .host_file import host_file
from .providers.remote_command import RemoteCommand
from .render.nginx import ROUTE0_ROOT
from .service import ServiceArgs, ServiceContainer

NGINX_CONF_DIR = "/etc/nginx/personal-as"
NGINX_CONF = f"{NGINX_CONF_DIR}/nginx.conf"
NGINX_MOUNTS = ["/etc/nginx/personal-as", "/run/nginx"]
NGINX_RUN_DIRS = {"/run/nginx": "0755 root root"}
# Only a running nginx is told: a pid file can outlive its process (a lab
# host recreated around its volumes), and the next start reads the new config.
RELOAD = (f"if [ -s /run/nginx/nginx.pid ] && kill -0 \"$(cat /run/nginx/nginx.pid)\" 2>/dev/null; "
          f"then nginx -s reload -c {NGINX_CONF}; fi")


def nginx_config_command(name: str, host: Host, text: pulumi.Input[str], parent: pulumi.Resource,
                         after: list[pulumi.Resource]) -> RemoteCommand:
    """Install an nginx.conf after `nginx -t`, and reload a running nginx."""
    # `nginx -t` opens the pid file's directory: on a real host nothing has
    # made /run/nginx yet (in the lab it is a volume).
    return host_file(name, host, NGINX_CONF, text, check="nginx -q -t -c {file}", reload=RELOAD,
                     dirs=("/run/nginx",), remove_dirs=(NGINX_CONF_DIR,),
                     opts=pulumi.ResourceOptions(parent=parent, depends_on=[*host.ready, *after]))


@dataclass
class WebServerArgs:
    stack: str
    host: Host
    image: ContainerImage
    config: str
    page: str
    health_url: str
    after: list[pulumi.Resource] | None = None
    # Host paths beyond the config and the page (TLS certificates, the ACME webroot).
    mounts: list[str] | None = None


class WebServer(pulumi.ComponentResource):
    def __init__(self, name: str, args: WebServerArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("personal-as:web:WebServer", name, None, opts)
        after = list(args.after or [])
        self.page = host_file(
            f"{name}-page", args.host, f"{ROUTE0_ROOT}/index.html", args.page, remove_dirs=(ROUTE0_ROOT,),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*args.host.ready, *after]),
        )
        self.config = nginx_config_command(f"{name}-config", args.host, args.config, self, after)
        self.service = ServiceContainer(f"{name}-nginx", ServiceArgs(
            stack=args.stack, host=args.host, service="nginx", image=args.image,
            mounts=[*NGINX_MOUNTS, ROUTE0_ROOT, *(args.mounts or [])], env={"NGINX_HEALTH_URL": args.health_url}, run_dirs=NGINX_RUN_DIRS,
            after=[self.config, self.page],
        ), opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({"container": self.service.container_name})
