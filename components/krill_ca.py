"""KrillCA: the user's own Krill on home, behind an nginx TLS proxy.

Krill listens on localhost only; nginx on the same host is the only way in,
over TLS with a certificate from the stack's CA (the seed served Krill over
plain HTTP on port 80).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi

from .container_image import ContainerImage
from .host import Host
from .providers.remote_command import RemoteCommand
from .providers.tls import LabCa, LabCertificate
from .render.krill import render_krill_conf
from .render.nginx import proxy_health_url, render_krill_proxy_conf
from .render.provision import render_file_apply
from .service import ServiceArgs, ServiceContainer
from .web_server import NGINX_MOUNTS, nginx_config_command

KRILL_CONF = "/etc/krill/krill.conf"
KRILL_MOUNTS = ["/etc/krill", "/var/lib/krill"]
TLS_DIR = "/etc/nginx/tls"
# Krill reads its config only at start; the container's restart policy
# brings it back with the new one.
KRILL_RESTART = "pkill -x krill || true"
PARENT_ROOT_CA = "/etc/krill/parent-root-ca.crt"


@dataclass
class KrillCAArgs:
    stack: str
    host: Host
    krill_image: ContainerImage
    nginx_image: ContainerImage
    handle: str
    admin_token: pulumi.Input[str]
    server_name: str  # the name the UI and API are reached at (krill.public_name)
    tls_ca: LabCa
    listen_ip: str = "127.0.0.1"  # where Krill itself listens: localhost, behind the proxy
    # Where the TLS proxy listens: the home LAN side, never the internet.
    proxy_listen: list[str] = field(default_factory=lambda: ["127.0.0.1", "::1"])
    https_port: int = 443
    http_port: int | None = 80  # None: no redirect listener (the box's :80 is someone else's)
    # A root Krill must trust for its parent's and repository's HTTPS.
    parent_root_ca: pulumi.Input[str] | None = None


class KrillCA(pulumi.ComponentResource):
    def __init__(self, name: str, args: KrillCAArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("personal-as:rpki:KrillCA", name, None, opts)
        host = args.host
        ready = pulumi.ResourceOptions(parent=self, depends_on=host.ready)
        self.listen_ip = args.listen_ip
        self.admin_token = pulumi.Output.secret(args.admin_token)
        service_uri = f"https://{args.server_name}/"
        self.krill_conf = pulumi.Output.secret(pulumi.Output.from_input(args.admin_token).apply(
            lambda token: render_krill_conf(token, service_uri, listen_ip=args.listen_ip)
        ))
        self.config = RemoteCommand(
            f"{name}-config", connection=host.connection,
            create=render_file_apply(KRILL_CONF, owner="krill:krill", mode="0600", reload=KRILL_RESTART,
                                     dirs=("/var/lib/krill",)),
            stdin=self.krill_conf, opts=ready,
        )
        krill_after, krill_env = [self.config], {}
        if args.parent_root_ca is not None:
            krill_after.append(RemoteCommand(
                f"{name}-parent-root-ca", connection=host.connection,
                create=render_file_apply(PARENT_ROOT_CA, mode="0644"), stdin=args.parent_root_ca, opts=ready,
            ))
            krill_env["KRILL_HTTPS_ROOT_CERTS"] = PARENT_ROOT_CA
        self.host = host
        self.krill = ServiceContainer(f"{name}-krill", ServiceArgs(
            stack=args.stack, host=host, service="krill", image=args.krill_image,
            mounts=KRILL_MOUNTS, after=krill_after, env=krill_env,
        ), opts=pulumi.ResourceOptions(parent=self))

        self.cert = LabCertificate(f"{name}-cert", args.tls_ca, [args.server_name], opts=pulumi.ResourceOptions(parent=self))
        self.tls_key = RemoteCommand(
            f"{name}-tls-key", connection=host.connection,
            create=render_file_apply(f"{TLS_DIR}/krill.key", mode="0600"),
            stdin=pulumi.Output.secret(self.cert.key_pem), opts=ready,
        )
        self.tls_cert = RemoteCommand(
            f"{name}-tls-cert", connection=host.connection,
            create=render_file_apply(f"{TLS_DIR}/krill.crt", mode="0644"), stdin=self.cert.cert_pem, opts=ready,
        )
        # The CA certificate beside the key, so clients on the host can verify.
        self.tls_ca_cert = RemoteCommand(
            f"{name}-tls-ca", connection=host.connection,
            create=render_file_apply(f"{TLS_DIR}/ca.crt", mode="0644"), stdin=args.tls_ca.cert_pem, opts=ready,
        )
        proxy_conf = render_krill_proxy_conf(args.server_name, f"{TLS_DIR}/krill.crt", f"{TLS_DIR}/krill.key",
                                             args.proxy_listen, args.https_port, args.http_port)
        health = proxy_health_url(args.proxy_listen[0], args.https_port)
        self.proxy_config = nginx_config_command(f"{name}-proxy-config", host, proxy_conf, self,
                                                 [self.tls_key, self.tls_cert])
        self.proxy = ServiceContainer(f"{name}-nginx", ServiceArgs(
            stack=args.stack, host=host, service="nginx", image=args.nginx_image,
            mounts=[*NGINX_MOUNTS, TLS_DIR], env={"NGINX_HEALTH_URL": health},
            after=[self.proxy_config],
        ), opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({"krill": self.krill.container_name, "proxy": self.proxy.container_name})
