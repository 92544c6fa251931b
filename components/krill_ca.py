"""KrillCA: the user's own Krill on home, behind an nginx TLS proxy.

Krill listens on localhost only; nginx on the same host is the only way in,
over TLS with a certificate from the stack's CA (the seed served Krill over
plain HTTP on port 80).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi

from .acme_client import NGINX_ACME_MOUNTS, AcmeAccount, AcmeClient, AcmeClientArgs, placeholder_certificate
from .container_image import ContainerImage
from .host import Host
from .host_file import host_file
from .providers.tls import LabCa, LabCertificate
from .render.krill import render_krill_conf
from .render.nginx import KRILL_PORT, TLS_DIR, StatusSite, proxy_health_url, render_krill_proxy_conf, url_host
from .service import ServiceArgs, ServiceContainer, config_digest
from .render.acme import ACME_NGINX_REQUEST
from .web_server import NGINX_MOUNTS, NGINX_RUN_DIRS, nginx_config_command, nginx_env

KRILL_CONF = "/etc/krill/krill.conf"
KRILL_MOUNTS = ["/etc/krill", "/var/lib/krill"]
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
    port: int = KRILL_PORT  # and its port (krill.port)
    # Where the TLS proxy listens: the home LAN side, never the internet.
    proxy_listen: list[str] = field(default_factory=lambda: ["127.0.0.1", "::1"])
    https_port: int = 443
    http_port: int | None = 80  # None: no redirect listener (the box's :80 is someone else's)
    # A root Krill must trust for its parent's and repository's HTTPS.
    parent_root_ca: pulumi.Input[str] | None = None
    # The proxy's certificate by ACME (config.krill_by_acme), with the client
    # image for this host and what must be up before the CA is asked (in a
    # lab world: the CA and the routed path to home).
    acme: AcmeAccount | None = None
    acme_image: ContainerImage | None = None
    acme_after: list[pulumi.Resource] = field(default_factory=list)
    acme_wait: bool = True  # AcmeClientArgs.wait
    # The status page at /status/ (monitoring), and its files on the host.
    status: StatusSite | None = None
    status_after: list[pulumi.Resource] = field(default_factory=list)
    # Backups (ca_backup.py): what Krill's entrypoint needs to put a staged
    # restore in place before Krill starts, and the client that stages it.
    backup_env: dict[str, str] = field(default_factory=dict)
    backup_mounts: list[str] = field(default_factory=list)
    backup_after: list[pulumi.Resource] = field(default_factory=list)


class KrillCA(pulumi.ComponentResource):
    def __init__(self, name: str, args: KrillCAArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("personal-as:rpki:KrillCA", name, None, opts)
        host = args.host
        ready = pulumi.ResourceOptions(parent=self, depends_on=host.ready)
        self.listen_ip = args.listen_ip
        self.admin_token = pulumi.Output.secret(args.admin_token)
        service_uri = f"https://{args.server_name}/"
        self.krill_conf = pulumi.Output.secret(pulumi.Output.from_input(args.admin_token).apply(
            lambda token: render_krill_conf(token, service_uri, listen_ip=args.listen_ip, port=args.port)
        ))
        # /var/lib/krill is the CA's keys and history: destroy leaves it.
        self.config = host_file(
            f"{name}-config", host, KRILL_CONF, self.krill_conf, owner="krill:krill", mode="0600",
            dirs=("/var/lib/krill",), remove_dirs=("/etc/krill",), opts=ready,
        )
        krill_after, krill_env = [self.config, *args.backup_after], dict(args.backup_env)
        if args.parent_root_ca is not None:
            krill_after.append(host_file(f"{name}-parent-root-ca", host, PARENT_ROOT_CA, args.parent_root_ca,
                                         remove_dirs=("/etc/krill",), opts=ready))
            krill_env["KRILL_HTTPS_ROOT_CERTS"] = PARENT_ROOT_CA
        self.host = host
        self.krill = ServiceContainer(f"{name}-krill", ServiceArgs(
            stack=args.stack, host=host, service="krill", image=args.krill_image,
            mounts=[*KRILL_MOUNTS, *args.backup_mounts], after=krill_after,
            # Krill reads its config only when it starts: a new one is a new
            # container (its data stays on the host).
            restart_with=config_digest(self.krill_conf, secret=True),
            # The image's health probe asks Krill where this stack put it.
            env={**krill_env, "KRILL_HEALTH_URL": f"https://{url_host(args.listen_ip)}:{args.port}/health"},
        ), opts=pulumi.ResourceOptions(parent=self))

        cert_file, key_file = f"{TLS_DIR}/krill.crt", f"{TLS_DIR}/krill.key"
        tls = {"remove_dirs": (TLS_DIR,), "opts": ready}
        if args.acme:
            # A stand-in until the ACME CA's certificate arrives (acme_client.py).
            proxy_tls = [placeholder_certificate(f"{name}-tls-placeholder", host, args.server_name, cert_file,
                                                 key_file, parent=self)]
        else:
            self.cert = LabCertificate(f"{name}-cert", args.tls_ca, [args.server_name],
                                       opts=pulumi.ResourceOptions(parent=self))
            proxy_tls = [
                host_file(f"{name}-tls-key", host, key_file, pulumi.Output.secret(self.cert.key_pem), mode="0600",
                          **tls),
                host_file(f"{name}-tls-cert", host, cert_file, self.cert.cert_pem, **tls),
            ]
        # The stack CA's certificate beside the key, so clients on the host can verify.
        self.tls_ca_cert = host_file(f"{name}-tls-ca", host, f"{TLS_DIR}/ca.crt", args.tls_ca.cert_pem, **tls)
        proxy_conf = render_krill_proxy_conf(args.server_name, cert_file, key_file, args.proxy_listen,
                                             args.https_port, args.http_port, acme=args.acme is not None,
                                             status=args.status, krill_port=args.port)
        health = proxy_health_url(args.proxy_listen[0], args.https_port)
        self.proxy_config = nginx_config_command(f"{name}-proxy-config", host, proxy_conf, self,
                                                 [*proxy_tls, *args.status_after])
        self.proxy = ServiceContainer(f"{name}-nginx", ServiceArgs(
            stack=args.stack, host=host, service="nginx", image=args.nginx_image,
            mounts=[*NGINX_MOUNTS, *NGINX_ACME_MOUNTS] if args.acme else [*NGINX_MOUNTS, TLS_DIR],
            env=nginx_env(health, ACME_NGINX_REQUEST if args.acme else None), run_dirs=NGINX_RUN_DIRS, after=[self.proxy_config],
        ), opts=pulumi.ResourceOptions(parent=self))
        if args.acme:
            assert args.acme_image is not None, "an ACME client needs its image"
            self.acme = AcmeClient(f"{name}-acme", AcmeClientArgs(
                stack=args.stack, host=host, image=args.acme_image, account=args.acme, domain=args.server_name,
                cert_file=cert_file, key_file=key_file, after=[self.proxy, *args.acme_after],
                wait=args.acme_wait,
            ), opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({"krill": self.krill.container_name, "proxy": self.proxy.container_name})
