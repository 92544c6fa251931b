"""WebServer: nginx serving the route0 page from inside the announced prefix."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from .container_image import ContainerImage
from .host import Host
from .host_file import host_file
from .providers.remote_command import RemoteCommand
from .render.nginx import NGINX_RUN, RELOAD_REQUEST, ROUTE0_ROOT, TLS_DIR, reload_script
from .service import ServiceArgs, ServiceContainer

NGINX_CONF_DIR = "/etc/nginx/personal-as"
NGINX_CONF = f"{NGINX_CONF_DIR}/nginx.conf"
NGINX_MOUNTS = ["/etc/nginx/personal-as", NGINX_RUN]
NGINX_RUN_DIRS = {NGINX_RUN: "0755 root root"}
RELOAD = reload_script()


def nginx_env(health_url: str, acme_request: str | None) -> dict[str, str]:
    """What nginx's loop (images/nginx/nginx-run.sh) watches: the stack's
    reload request and, with ACME, the client's; and where the client hands
    over TLS keys."""
    requests = [RELOAD_REQUEST, *([acme_request] if acme_request else [])]
    return {"NGINX_HEALTH_URL": health_url, "NGINX_RELOAD_ON": " ".join(requests), "NGINX_KEYS_DIR": TLS_DIR}


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
    # The ACME client's reload request, when it hands nginx certificates.
    acme_request: str | None = None


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
            mounts=[*NGINX_MOUNTS, ROUTE0_ROOT, *(args.mounts or [])], env=nginx_env(args.health_url, args.acme_request), run_dirs=NGINX_RUN_DIRS,
            after=[self.config, self.page],
        ), opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({"container": self.service.container_name})
