"""RPKI: the RIR's Krill (testbed mode, with the LIR under it), the user's
CA delegated from the LIR, its ROAs, and the validator routers ask over RTR.

Every RFC 8183 exchange is a Pulumi resource: the request comes out of one
Krill on stdout and goes into the other on stdin, over SSH, so a re-up with
nothing changed does nothing, and a change re-runs only what depends on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi

from . import naming
from .container_image import ContainerImage
from .host import Host
from .host_file import host_file
from .providers.remote_command import RemoteCommand
from .providers.tls import LabCa, LabCertificate
from .render.krill import STORAGE_URI, Testbed, render_krill_conf
from .render.nginx import KRILL_PORT
from .render.rpki import (
    KrillCli, Resources, ca_request, ca_set_contact, lir_setup, parent_add_child, parent_handle, pubd_add_publisher,
    aspas_apply, roas_apply, roas_json,
)
from .service import ServiceArgs, ServiceContainer, config_digest

KRILL_CONF = "/etc/krill/krill.conf"
KRILL_MOUNTS = ["/etc/krill", "/var/lib/krill"]
# Krill's HTTP client trusts these roots for its parent and repository.
LAB_CA_FOR_KRILL = "/etc/krill/lab-ca.crt"
# An RFC 8183 exchange prints nothing until it is done, and the SSH read
# waits this long for it. A one-vCPU TCG guest on a fresh machine took more
# than 180 s for `parents add` + refresh + sync under a first `up`'s load
# (101 s on a quiet re-run); a real VPS takes seconds.
EXCHANGE_TIMEOUT_S = 600


def krill_cli(host: Host, port: int = KRILL_PORT) -> KrillCli:
    """How the RPKI scripts reach krillc on a host: a lab host carries it and
    shares Krill's network namespace; elsewhere it runs in Krill's container.
    `port`: where that Krill listens (the user's comes from krill.port)."""
    url = f"https://127.0.0.1:{port}/"
    if host.tools_in_host:
        return KrillCli(url=url)
    return KrillCli(container=naming.service_container(pulumi.get_stack(), host.name, "krill"), url=url)


def file_command(name: str, host: Host, path: str, content: pulumi.Input[str], parent: pulumi.Resource,
                 owner: str = "root:root", mode: str = "0644", reload: str | None = None,
                 after: list[pulumi.Resource] | None = None, dirs: tuple[str, ...] = ()) -> RemoteCommand:
    return host_file(name, host, path, content, owner=owner, mode=mode, reload=reload, dirs=dirs,
                     opts=pulumi.ResourceOptions(parent=parent, depends_on=[*host.ready, *(after or [])]))


@dataclass
class RirKrillArgs:
    stack: str
    host: Host
    image: ContainerImage
    name: str  # rir.lab
    admin_token: pulumi.Input[str]
    tls_ca: LabCa
    lir: str
    lir_resources: Resources
    after: list[pulumi.Resource]
    # ROAs the LIR signs for the rest of the lab's internet: (origin, prefix, max_length).
    world_roas: list[tuple[int, str, int]] = field(default_factory=list)


class RirKrill(pulumi.ComponentResource):
    """Krill in testbed mode on rir: CAs `ta` and `testbed` (the RIR), its
    publication server, and the sponsoring LIR as testbed's child."""

    RIR_CA = "testbed"
    PORT = 3000

    def __init__(self, name: str, args: RirKrillArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("personal-as:rpki:RirKrill", name, None, opts)
        base = f"https://{args.name}:{self.PORT}/"
        self.service_uri = base
        self.tal_url = f"{base}ta/ta.tal"
        cert = LabCertificate(f"{name}-cert", args.tls_ca, [args.name], opts=pulumi.ResourceOptions(parent=self))
        ssl_dir = f"{STORAGE_URI}ssl"
        # Krill writes its data beside these: the whole path must be its own.
        dirs = ("/var/lib/krill", STORAGE_URI.rstrip("/"), ssl_dir)
        files = [
            file_command(f"{name}-tls-cert", args.host, f"{ssl_dir}/cert.pem", cert.cert_pem, self,
                         owner="krill:krill", after=args.after, dirs=dirs),
            file_command(f"{name}-tls-key", args.host, f"{ssl_dir}/key.pem", pulumi.Output.secret(cert.key_pem),
                         self, owner="krill:krill", mode="0600", after=args.after, dirs=dirs),
        ]
        conf = pulumi.Output.secret(pulumi.Output.from_input(args.admin_token).apply(
            lambda token: render_krill_conf(token, base, listen_ip="::", https_mode="existing",
                                            testbed=Testbed(base, args.name))
        ))
        files.append(file_command(f"{name}-config", args.host, KRILL_CONF, conf, self, owner="krill:krill",
                                  mode="0600", after=args.after))
        self.krill = ServiceContainer(f"{name}-krill", ServiceArgs(
            stack=args.stack, host=args.host, service="krill", image=args.image, mounts=KRILL_MOUNTS, after=files,
            # Krill reads its config only when it starts.
            restart_with=config_digest(conf, secret=True),
        ), opts=pulumi.ResourceOptions(parent=self))
        self.lir = RemoteCommand(
            f"{name}-lir", connection=args.host.connection,
            create=lir_setup(krill_cli(args.host), args.lir, self.RIR_CA, args.lir_resources), timeout=EXCHANGE_TIMEOUT_S,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.krill]),
        )
        if args.world_roas:
            cli = krill_cli(args.host)
            RemoteCommand(
                f"{name}-world-roas", connection=args.host.connection, create=roas_apply(cli, args.lir),
                stdin=roas_json(args.world_roas), timeout=EXCHANGE_TIMEOUT_S,
                drift_check=roas_apply(cli, args.lir, check_only=True),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[self.lir]),
            )
        self.register_outputs({"tal_url": self.tal_url})


def aspa_command(name: str, host: Host, cli: KrillCli, handle: str, aspa: str | None,
                 opts: pulumi.ResourceOptions) -> RemoteCommand | None:
    """The CA's ASPA as code, applied as the whole set Krill must hold;
    None when the stack makes none (`aspa: false`)."""
    if aspa is None:
        return None
    return RemoteCommand(
        name, connection=host.connection, create=aspas_apply(cli, handle), stdin=aspa,
        timeout=EXCHANGE_TIMEOUT_S,
        # An ASPA changed or deleted behind Pulumi's back (Krill's UI or
        # API) is a diff at preview, and the next up puts it back.
        drift_check=aspas_apply(cli, handle, check_only=True), opts=opts)


@dataclass
class DelegatedCaArgs:
    home: Host
    parent_host: Host  # where the parent CA and the repository live
    handle: str
    parent_handle: str
    resources: Resources
    roas: list[tuple[int, str, int]]  # (origin, prefix, max_length)
    after_home: list[pulumi.Resource]
    after_parent: list[pulumi.Resource]
    krill_port: int = KRILL_PORT  # the user's Krill on home (krill.port)
    aspa: str | None = None  # the ASPA as aspas_apply takes it (aspa_lines); None: aspa false


class DelegatedCa(pulumi.ComponentResource):
    """The user's CA: child of the LIR, publishing in the RIR's repository,
    signing the ROAs from stack config."""

    def __init__(self, name: str, args: DelegatedCaArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("personal-as:rpki:DelegatedCa", name, None, opts)

        def on_home(suffix: str, script: str, stdin=None, after=()) -> RemoteCommand:
            return RemoteCommand(f"{name}-{suffix}", connection=args.home.connection, create=script, stdin=stdin,
                                 timeout=EXCHANGE_TIMEOUT_S, opts=pulumi.ResourceOptions(
                                     parent=self, depends_on=[*args.after_home, *after]))

        def on_parent(suffix: str, script: str, stdin, after=()) -> RemoteCommand:
            return RemoteCommand(f"{name}-{suffix}", connection=args.parent_host.connection, create=script,
                                 stdin=stdin, timeout=EXCHANGE_TIMEOUT_S, opts=pulumi.ResourceOptions(
                                     parent=self, depends_on=[*args.after_parent, *after]))

        home, parent = krill_cli(args.home, args.krill_port), krill_cli(args.parent_host)
        # RFC 8183 child request -> parent response (provisioning, RFC 6492),
        # as XML both ways, as with a real parent.
        self.child_request = on_home("child-request", ca_request(home, args.handle, "child"))
        self.parent_response = on_parent("add-child", parent_add_child(
            parent, args.parent_handle, args.handle, args.resources), self.child_request.stdout)
        self.parent = on_home("set-parent", ca_set_contact(home, args.handle, "parents", parent=args.parent_handle),
                              self.parent_response.stdout)
        # RFC 8183 publisher request -> repository response (publication, RFC 8181).
        self.publisher_request = on_home("publisher-request", ca_request(home, args.handle, "publisher"),
                                         after=[self.child_request])
        self.repository_response = on_parent("add-publisher", pubd_add_publisher(parent, args.handle),
                                             self.publisher_request.stdout)
        self.repo = on_home("set-repo", ca_set_contact(home, args.handle, "repo"), self.repository_response.stdout,
                            after=[self.parent])
        # ROAs as code: applied as a delta against what Krill holds.
        self.roas = RemoteCommand(
            f"{name}-roas", connection=args.home.connection, create=roas_apply(home, args.handle),
            stdin=roas_json(args.roas), timeout=EXCHANGE_TIMEOUT_S,
            # ROAs changed behind Pulumi's back (in Krill's UI or API) are put
            # back on the next up: the diff asks Krill what it really holds.
            drift_check=roas_apply(home, args.handle, check_only=True),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*args.after_home, self.parent, self.repo]),
        )
        self.aspa = aspa_command(f"{name}-aspa", args.home, home, args.handle, args.aspa,
                                 pulumi.ResourceOptions(parent=self, depends_on=[*args.after_home, self.parent,
                                                                                 self.repo]))
        self.register_outputs({})


@dataclass
class ValidatorArgs:
    stack: str
    host: Host
    image: ContainerImage
    tal_url: str
    tls_ca: LabCa
    refresh_seconds: int
    after: list[pulumi.Resource]


class Validator(pulumi.ComponentResource):
    """rpki-client + StayRTR, trusting only the lab's TAL."""

    def __init__(self, name: str, args: ValidatorArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("personal-as:rpki:Validator", name, None, opts)
        ca = file_command(f"{name}-lab-ca", args.host, "/etc/personal-as/lab-ca.crt", args.tls_ca.cert_pem, self,
                          after=args.after)
        self.service = ServiceContainer(f"{name}-validator", ServiceArgs(
            stack=args.stack, host=args.host, service="validator", image=args.image,
            mounts=["/etc/personal-as", "/var/lib/rpki-client"], after=[ca],
            env={"TAL_URL": args.tal_url, "REFRESH_SECONDS": str(args.refresh_seconds)},
        ), opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({})


@dataclass
class PortalOnboardingArgs:
    home: Host
    handle: str
    parent_response: str | None  # XML text, when the operator has it
    repository_response: str | None
    roas: list[tuple[int, str, int]]
    after_home: list[pulumi.Resource]
    krill_port: int = KRILL_PORT
    aspa: str | None = None  # as in DelegatedCaArgs


class PortalOnboarding(pulumi.ComponentResource):
    """The user's CA under a real parent, whose portal takes the RFC 8183
    requests and hands back responses: the seed's order, step by step.

    1. create the CA; 2. its child request goes out (a stack output) to the
    portal; 3. the parent response comes back as a file, and the parent is
    added; 4. the same for the repository; 5. then the ROAs.
    """

    def __init__(self, name: str, args: PortalOnboardingArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("personal-as:rpki:PortalOnboarding", name, None, opts)

        def on_home(suffix: str, script: str, stdin=None, after=(), drift_check=None) -> RemoteCommand:
            return RemoteCommand(f"{name}-{suffix}", connection=args.home.connection, create=script, stdin=stdin,
                                 timeout=EXCHANGE_TIMEOUT_S, drift_check=drift_check, opts=pulumi.ResourceOptions(
                                     parent=self, depends_on=[*args.after_home, *after]))

        home = krill_cli(args.home, args.krill_port)
        self.child_request = on_home("child-request", ca_request(home, args.handle, "child"))
        self.publisher_request = on_home("publisher-request", ca_request(home, args.handle, "publisher"),
                                         after=[self.child_request])
        done: list[pulumi.Resource] = []
        if args.parent_response:
            # The parent is known by the handle in its response, as Krill's
            # API named it when onboarding took the XML.
            done.append(on_home("set-parent", ca_set_contact(
                home, args.handle, "parents", parent=parent_handle(args.parent_response), wait=False),
                args.parent_response, after=[self.child_request]))
        if args.repository_response:
            done.append(on_home("set-repo", ca_set_contact(home, args.handle, "repo"), args.repository_response,
                                after=[self.publisher_request, *done]))
        # The ROAs, once the CA has both: what waits for the route to be
        # valid (a lab world's ACME client) waits for them.
        self.roas: RemoteCommand | None = None
        self.aspa: RemoteCommand | None = None
        if len(done) == 2:
            self.roas = on_home("roas", roas_apply(home, args.handle), roas_json(args.roas), after=done,
                                drift_check=roas_apply(home, args.handle, check_only=True))
            self.aspa = aspa_command(f"{name}-aspa", args.home, home, args.handle, args.aspa,
                                     pulumi.ResourceOptions(parent=self, depends_on=[*args.after_home, *done]))
        self.register_outputs({})
