"""AcmeClient: a certificate from an ACME CA for a name this host serves,
kept renewed by Debian's lego in a container of its own.

HTTP-01 goes through the stack's nginx on the host (the client writes the
token into a webroot nginx serves on port 80). Until the first certificate
arrives nginx serves a self-signed stand-in, so it can start at all. `up`
waits for the CA's certificate to be the one served; renewals need no `up`,
and since no certificate is in the state, a renewed one is not a diff.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi

from .config.acme import Acme
from .container_image import ContainerImage
from .host import Host
from .host_file import host_file
from .providers.remote_command import RemoteCommand
from .render.acme import (
    ACME_CONF, ACME_DATA, ACME_ETC, ACME_NGINX_REQUEST, ACME_RESTART, ACME_RUN, ACME_USER, ACME_WEBROOT,
    DIRECTORY_CA, ROUTED_TIMEOUT_S, account_json_path, account_key_path, placeholder_script,
    render_acme_client_conf, wait_issued_script, wait_routed_script,
)
from .render.nginx import TLS_DIR
from .service import ServiceArgs, ServiceContainer
from .render.env import sh_word

# The client's loop re-reads its config when it starts: asked (a file it
# looks for every 2 s), it ends, and the container's restart policy brings
# it back with the new one. Not there yet (the first `up`): its start reads it.
CLIENT_RESTART = f"if [ -d {sh_word(ACME_RUN)} ]; then date +%s > {sh_word(ACME_RESTART)}; fi"
ISSUE_TIMEOUT_S = 300
# Its config directory, then the stack's own /etc/personal-as if nothing
# else is left in it (no order holds between this and the network's undo).
ACME_ETC_DIRS = (ACME_ETC, "/etc/personal-as")
# What nginx shares with the client: the challenge webroot, the
# certificates, and the client's requests (nginx only reads them).
NGINX_ACME_MOUNTS = [ACME_WEBROOT, TLS_DIR, ACME_RUN]
ACME_MOUNTS = [ACME_ETC, ACME_DATA, *NGINX_ACME_MOUNTS]
# The client's own: made at every boot, the host's acme user's.
ACME_RUN_DIRS = {ACME_RUN: f"0755 {ACME_USER} {ACME_USER}"}


@dataclass
class AcmeAccount:
    """What every ACME client of the stack shares: the CA, the contact, the
    account key, and for a private CA the certificate of its HTTPS."""

    acme: Acme
    account_key: pulumi.Input[str]
    directory_ca: pulumi.Input[str] | None = None
    # Changes when the CA is a new one (the lab's pebble container made
    # anew): every client then gets a fresh certificate in the same `up`.
    ca_identity: pulumi.Input[str] | None = None


@dataclass
class AcmeClientArgs:
    stack: str
    host: Host
    image: ContainerImage
    account: AcmeAccount
    domain: str
    cert_file: str
    key_file: str
    # nginx serving port 80 (and the stand-in certificate), and in a lab
    # world the CA and the routed path to it.
    after: list[pulumi.Resource] = field(default_factory=list)
    # `up` waits for the first certificate. Not for real: the CA validates
    # over the route, which relying parties may take an hour to call valid
    # after the ROAs are published; the client retries on its own (from one
    # minute to 15) and switches to the CA's certificate by itself.
    wait: bool = True


def routed_gate(name: str, vantage: Host, domain: str, triggers: list, after: list[pulumi.Resource]) -> RemoteCommand:
    """Waits, on the ACME CA's own host, until `http://<domain>/healthz`
    answers: what HTTP-01 validation needs, proved from where the CA will
    fetch. Issuance starts after it, so no CA is asked while the route is
    still unknown to (or invalid at) the upstream, and a failure says why."""
    return RemoteCommand(name, connection=vantage.connection, create=wait_routed_script(domain, ROUTED_TIMEOUT_S),
                         triggers=[domain, *triggers], timeout=ROUTED_TIMEOUT_S + 30,
                         opts=pulumi.ResourceOptions(depends_on=after))


def placeholder_certificate(name: str, host: Host, domain: str, cert_file: str, key_file: str,
                            parent: pulumi.Resource | None = None) -> RemoteCommand:
    """The stand-in nginx starts with; made before nginx's config is checked."""
    return RemoteCommand(
        name, connection=host.connection, create=placeholder_script(cert_file, key_file, domain),
        delete=f"rm -f {sh_word(cert_file)} {sh_word(key_file)}; rmdir {sh_word(cert_file.rsplit('/', 1)[0])} 2>/dev/null || true",
        # openssl comes with the host's packages (a real host) or its image.
        opts=pulumi.ResourceOptions(parent=parent, depends_on=host.engine_ready),
    )


class AcmeClient(pulumi.ComponentResource):
    def __init__(self, name: str, args: AcmeClientArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("personal-as:acme:AcmeClient", name, None, opts)
        host, acme, account = args.host, args.account.acme, args.account
        ready = pulumi.ResourceOptions(parent=self, depends_on=host.engine_ready)
        # A new key is a new account: forget the registration of the old one.
        key_path = account_key_path(acme.directory, acme.email)
        self.account_key = host_file(
            f"{name}-account-key", host, key_path, pulumi.Output.secret(account.account_key),
            # lego reads it as the host's acme user (its entrypoint follows this owner).
            owner=f"{ACME_USER}:{ACME_USER}", mode="0600",
            reload=f"rm -f {sh_word(account_json_path(acme.directory, acme.email))}",
            # Destroy takes the certificates and the registration too: the
            # account key is the stack's, and a new `up` gets them again.
            purge_dirs=(ACME_DATA,), opts=ready,
        )
        conf = render_acme_client_conf(acme, args.domain, args.cert_file, args.key_file,
                                       private_directory=account.directory_ca is not None)
        self.config = host_file(f"{name}-config", host, ACME_CONF, conf, reload=CLIENT_RESTART,
                                remove_dirs=ACME_ETC_DIRS, purge_dirs=(ACME_WEBROOT,), opts=ready)
        files = [self.config, self.account_key]
        if account.directory_ca is not None:
            files.append(host_file(f"{name}-directory-ca", host, DIRECTORY_CA, account.directory_ca,
                                   reload=CLIENT_RESTART, remove_dirs=ACME_ETC_DIRS, opts=ready))
        self.service = ServiceContainer(f"{name}-lego", ServiceArgs(
            stack=args.stack, host=host, service="acme", image=args.image, mounts=ACME_MOUNTS,
            run_dirs=ACME_RUN_DIRS, after=[*files, *args.after],
        ), opts=pulumi.ResourceOptions(parent=self))
        self.issued = None if not args.wait else RemoteCommand(
            f"{name}-issued", connection=host.connection,
            create=wait_issued_script(args.domain, args.cert_file, ISSUE_TIMEOUT_S),
            triggers=[acme.directory, acme.email, args.domain, account.ca_identity],
            timeout=ISSUE_TIMEOUT_S + 30,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.service]),
        )
        self.register_outputs({"container": self.service.container_name})
