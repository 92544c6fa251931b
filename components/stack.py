"""Builds a whole stack from its validated config: the only wiring code.

Lab and prod share every user-facing component; only how hosts come to
exist differs (LabWorld creates them, SshHost points at real ones).
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pulumi

from . import naming
from .acme_ca import AcmeCa, AcmeCaArgs
from .acme_client import (
    NGINX_ACME_MOUNTS, AcmeAccount, AcmeClient, AcmeClientArgs, placeholder_certificate, routed_gate,
)
from .bird_router import LAB_VERIFY_S, VERIFY_S, BirdRouter, BirdRouterArgs
from .cache_dir import cache_dir
from .config import StackConfig
from .config.arch import machine_arch
from .config.home_ports import home_bindings
from .container_image import ContainerImage, ContainerImageArgs
from .cross_build import require_cross_build
from .host import Host, SshHost, SshHostArgs
from .host_network import HostNetwork
from .irr_registry import IrrRegistry, IrrRegistryArgs
from .ca_backup import CaBackup, CaBackupArgs
from .krill_ca import KrillCA, KrillCAArgs
from .lab_plan import LAB_DOMAIN, MGMT_IF, RIR_NAME
from .lab_plan import plan as lab_plan
from .lab_world import LabWorld, LabWorldArgs
from .onboarding import as_built, onboarding_stage
from .alert_receiver import AlertReceiver
from .monitoring import Monitoring, MonitoringArgs
from .providers.irr_objects import IrrObjects
from .providers.password_hash import PasswordHash
from .providers.remote_command import RemoteCommand
from .providers.secrets import EcPrivateKey, RandomToken
from .providers.tls import LabCa
from .render.lab_bird import world_roas
from .render.rpki import Resources, aspa_lines
from .rpki import (
    DelegatedCa, DelegatedCaArgs, PortalOnboarding, PortalOnboardingArgs, RirKrill, RirKrillArgs, Validator,
    ValidatorArgs,
)
from .render import render_bird_conf, render_route0_conf, render_route0_page
from .render.irr import lab_assignment_objects, maintainer_objects, render_irr_objects, routing_objects
from .render.nginx import KRILL_PORT, route0_tls, route0_url, url_host
from .render.acme import ACME_NGINX_REQUEST, ACME_USER
from .render.host_network import Firewall, PrefixInterface
from .render.host_network import HostNetwork as HostNetworkSpec
from .render.topology import topology_dot
from .status_page import StatusPage
from .web_server import WebServer, WebServerArgs

def versions() -> dict[str, str]:
    """The pinned versions the bootstrap installs (scripts/versions.env)."""
    text = (Path(__file__).resolve().parent.parent / "scripts/versions.env").read_text()
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line and not line.startswith("#"))


def _arch_suffix(arch: str | None) -> str:
    """"" for this machine's own architecture, "-<arch>" for a cross build."""
    return "" if arch in (None, machine_arch()) else f"-{arch}"


def base_image(arch: str | None = None) -> str:
    """The base image the bootstrap built (scripts/build-base-image.sh)."""
    v = versions()
    return f"personal-as/base:{v['DEBIAN_RELEASE']}-{v['BASE_IMAGE_VERSION']}{_arch_suffix(arch)}"


def krill_binaries(arch: str | None = None) -> dict[str, str]:
    versions_ = versions()
    cache = cache_dir()
    # As scripts/lib.sh's krill_dir names it.
    name = f"krill-{versions_['KRILL_VERSION']}-core-o{versions_['KRILL_OPT_LEVEL']}{_arch_suffix(arch)}"
    bin_dir = cache / name / "bin"
    return {"krill": str(bin_dir / "krill"), "krillc": str(bin_dir / "krillc")}


ALL_IMAGES = ("host", "bird", "nginx", "krill", "validator", "pebble", "acme", "irrd", "postgres", "redis",
              "irr-filter", "exporters", "metrics", "backup")
# Metrics and alerts: built only for a stack with a monitoring section.
MONITORING_IMAGES = ("exporters", "metrics")
# The CA's backups: built only for a stack with a backup section.
BACKUP_IMAGES = ("backup",)
# The lab registry's images: built only for a lab world with an irr section.
IRR_IMAGES = ("irrd", "postgres", "redis", "irr-filter")
# What the user's own hosts run: the images a host of another architecture needs.
BUILD_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
HOST_IMAGES = {"vps": ("bird", "nginx", "acme"), "home": ("krill", "nginx", "acme")}
HOST_MONITORING_IMAGES = {"vps": ("exporters",), "home": ("exporters", "metrics")}
HOST_BACKUP_IMAGES = {"vps": ("backup",), "home": ("backup",)}


def image_args(stack: str, name: str, arch: str | None = None, refresh_days: int = 0) -> ContainerImageArgs:
    """How one of the project's images is built for `arch` (None: this machine's)."""
    krill = krill_binaries(arch)
    irrd_lock = str(Path(__file__).resolve().parent.parent / "scripts/irrd-requirements.lock")
    # IRRd's build stage fetches from PyPI through whatever TLS this machine
    # trusts (a build machine may sit behind an inspecting proxy): its CA
    # bundle goes to that stage only, never to the image.
    irrd = {"irrd-requirements.lock": irrd_lock, "build-ca.crt": BUILD_CA_BUNDLE}
    images_dir = Path(__file__).resolve().parent.parent / "images"
    extra = {"krill": krill, "host": {"krillc": krill["krillc"],
                                      "backup-server": str(images_dir / "backup/backup-server.sh")}, "irrd": irrd}
    return ContainerImageArgs(image=name, base_image=base_image(arch), labels=naming.labels(stack), stack=stack,
                              extra_files=extra.get(name, {}), platform=f"linux/{arch}" if _arch_suffix(arch) else "",
                              refresh_days=refresh_days, release=versions()["DEBIAN_RELEASE"])


def build_images(stack: str, arch: str | None = None, names: tuple[str, ...] = ALL_IMAGES,
                 refresh_days: int = 0) -> dict[str, ContainerImage]:
    return {name: ContainerImage(f"image-{name}{_arch_suffix(arch)}", image_args(stack, name, arch, refresh_days))
            for name in names}


def cross_hosts(cfg: StackConfig) -> dict[str, list[str]]:
    """Architecture -> the user's real hosts that need images built for it."""
    out: dict[str, list[str]] = {}
    for h, spec in cfg.hosts.items():
        # A lab host is a container on this machine: it runs this machine's images.
        if spec.kind == "ssh" and spec.arch != machine_arch():
            out.setdefault(spec.arch, []).append(h)
    return out


def require_cross_builds(cfg: StackConfig) -> None:
    """Before any resource: a machine not set up for a host's architecture is
    told so at preview, not at a failed build during `up`."""
    for arch, hosts in sorted(cross_hosts(cfg).items()):
        require_cross_build(arch, hosts, list(krill_binaries(arch).values()), base_image(arch))


def user_images(stack: str, cfg: StackConfig, native: dict[str, ContainerImage]) -> dict[str, dict[str, ContainerImage]]:
    """Per user host, its images, built for its architecture."""
    on_host = {h: native for h in cfg.hosts}
    for arch, hosts in sorted(cross_hosts(cfg).items()):
        wanted = {i for h in hosts for i in HOST_IMAGES[h] + (HOST_MONITORING_IMAGES[h] if cfg.monitoring else ())
                  + (HOST_BACKUP_IMAGES[h] if cfg.backup else ())}
        built = build_images(stack, arch, tuple(sorted(wanted)), cfg.images.refresh_days)
        on_host.update({h: built for h in hosts})
    return on_host


def secret_passwords(cfg: StackConfig) -> dict[str, pulumi.Output]:
    """Each BGP password back into a secret Output (the config arrived as plain values)."""
    return {
        u.name: pulumi.Output.secret(u.password.get_secret_value() if u.password else None)
        for u in cfg.upstreams
    }


# What each real host's roles use on the host itself: Debian packages for
# their tools (birdc and bird -p, nginx -t, nft; the daemons run in
# containers), each with the service of its own that must never run there,
# and system users for daemons no package here creates.
ROLE_PACKAGES = {
    # openssl makes the stand-in certificate nginx starts with before ACME.
    "vps": ({"bird2": "bird", "nginx-light": "nginx", "nftables": None, "openssl": None}, []),
    "home": ({"nginx-light": "nginx", "nftables": None}, ["krill"]),
}


def vps_network(cfg: StackConfig, lab_host: bool, addresses=(), routes=(), ssh_port: int = 22,
                names=()) -> HostNetworkSpec:
    route0 = ipaddress.ip_address(cfg.route0_address)
    return HostNetworkSpec(
        host="vps", router=True, addresses=tuple(addresses), routes=tuple(routes),
        prefix_if=PrefixInterface("dummy0", (f"{route0}/{route0.max_prefixlen}",), lab=lab_host),
        firewall=Firewall(ssh_port=ssh_port, bgp_neighbors=tuple(u.neighbor for u in cfg.upstreams),
                          bfd_neighbors=tuple(u.neighbor for u in cfg.upstreams if u.bfd),
                          tcp_ports=(80, 443)),
        mgmt_if=MGMT_IF if lab_host else None, names=tuple(sorted(names)), persistent=not lab_host,
    )


def home_network(lab_host: bool, addresses=(), routes=(), names=(), krill_port: int = KRILL_PORT,
                 proxy_ports: tuple[int, ...] = (), allow_from: tuple[str, ...] | None = None) -> HostNetworkSpec:
    # home has other jobs: the stack closes only Krill's own port to the
    # outside (and the proxy's to all but allow_from, when it is set) and
    # leaves every other service of the box as it was.
    return HostNetworkSpec(host="home", router=False, addresses=tuple(addresses), routes=tuple(routes),
                           firewall=Firewall(policy_drop=False, closed_tcp_ports=(krill_port,),
                                             allowed_tcp_ports=proxy_ports if allow_from is not None else (),
                                             allow_from=tuple(allow_from or ())),
                           mgmt_if=MGMT_IF if lab_host else None, names=tuple(sorted(names)),
                           persistent=not lab_host)


# An emulated machine's health probes: every 5 min, not the images' 30 s.
# Each is a `docker exec` (runc, then the probe), about 2.5 s of a TCG vCPU:
# at 30 s the vps's three took a quarter of its one vCPU all the time
# (measured 2026-12-06). Nothing acts on the result; `docker ps` shows it.
# 30 s to answer, not the images' 3-5: one probe that a busy emulated
# machine answers late would leave `docker ps` saying "starting" for 5 min.
EMULATED_HEALTH_PROBE = {"interval": 300, "timeout": 30}


def ssh_host(name: str, spec, cfg: StackConfig, stack: str) -> SshHost:
    packages, users = ROLE_PACKAGES.get(name, ({}, []))
    if name == "home" and cfg.krill_by_acme:
        packages = {**packages, "openssl": None}  # the stand-in certificate before ACME
    if (name == "vps" and cfg.acme) or (name == "home" and cfg.krill_by_acme):
        users = [*users, ACME_USER]  # lego's, not root
    return SshHost(name, SshHostArgs(
        host=name, address=spec.address, user=spec.user, port=spec.port, key_file=spec.key_file,
        known_hosts=list(spec.known_hosts) if spec.known_hosts else None, packages=packages, users=users,
        ports=home_bindings(cfg) if name == "home" else [], stack=stack, arch=spec.arch,
        health_probe=EMULATED_HEALTH_PROBE if cfg.emulated(name) else None,
    ))


def _read_optional(path: str | None) -> str | None:
    """An RFC 8183 response the operator saved from their parent's portal."""
    if not path:
        return None
    file = Path(path).expanduser()
    if not file.is_file():
        raise FileNotFoundError(f"personal-as:krill: response file {path!r} does not exist")
    return file.read_text()


def build_lab_rpki(stack: str, cfg: StackConfig, world: LabWorld, images: dict[str, ContainerImage], tls_ca: LabCa,
                   home_krill: KrillCA, home_net: HostNetwork) -> DelegatedCa | None:
    """The RPKI world: RIR -> sponsoring LIR -> the user's own Krill, a
    validator, and (in LabWorld) route-origin validation at transit. With
    `lab_portal` the user's CA is left to portal onboarding (None)."""
    rir = RirKrill("rir", RirKrillArgs(
        stack=stack, host=world.hosts["rir"], image=images["krill"], name=RIR_NAME,
        admin_token=RandomToken("rir-krill-admin-token", purpose="rir-krill-admin-token").value, tls_ca=tls_ca,
        lir="lir", lir_resources=Resources(asn="AS64496-AS65551", ipv6="2001:db8::/32"),
        after=[world.networks["rir"]],
        # transit's routes for a customer that imports them (ROV at the edge).
        world_roas=world_roas(cfg.upstreams[0].public_asn),
    ))
    Validator("validator", ValidatorArgs(
        stack=stack, host=world.hosts["validator"], image=images["validator"], tal_url=rir.tal_url, tls_ca=tls_ca,
        # Lab-short (real validators run every few minutes): a ROA change
        # is at the routers within about 10 s, so each ROV test waits less.
        refresh_seconds=5, after=[world.networks["validator"]],
    ))
    if cfg.lab_portal:
        return None
    return DelegatedCa("user-ca", DelegatedCaArgs(
        home=home_krill.host, parent_host=world.hosts["rir"], handle=cfg.krill.handle, parent_handle="lir",
        resources=Resources(asn=f"AS{cfg.asn}", ipv4=", ".join(str(n) for n in cfg.v4_networks),
                            ipv6=", ".join(str(n) for n in cfg.v6_networks)),
        roas=[(cfg.roa_origin(r), r.prefix, r.effective_max_length) for r in cfg.roas],
        after_home=[home_krill.krill, home_net], after_parent=[rir.lir], krill_port=cfg.krill.port,
        aspa=user_aspa(cfg),
    ))


def user_aspa(cfg: StackConfig) -> str | None:
    """The user's ASPA as the CA's apply script takes it; None with `aspa: false`."""
    return None if cfg.aspa_providers is None else aspa_lines(cfg.asn, cfg.aspa_providers)


def build_irr(stack: str, cfg: StackConfig, world: LabWorld | None, images: dict[str, ContainerImage],
              mntner_auth: pulumi.Output) -> list[pulumi.Resource]:
    """The user's objects in a routing registry: the lab's own (made here,
    with the RIR's side seeded), or with irr.submit an IRRd-run one.

    Order, as a registry has it: the maintainer and its contacts (created by
    the registry's administrator: in the lab, by the stack with the
    override), the RIR's assignment of the prefix to that maintainer, then
    the aut-num and route objects under the maintainer's own password."""
    irr = cfg.irr
    assert irr is not None
    password = pulumi.Output.secret(irr.maintainer.password.get_secret_value())
    if world:
        registry = IrrRegistry("irr", IrrRegistryArgs(
            stack=stack, host=world.hosts["irr"], irrd_image=images["irrd"], postgres_image=images["postgres"],
            redis_image=images["redis"], source=irr.source, after=[world.networks["irr"]],
        ))
        url, via, override, after = registry.api, registry.via, registry.override, [registry.rir_objects]
    elif irr.submit:
        url, via, override, after = irr.api_url, None, None, []
    else:
        return []
    maintainer = IrrObjects(
        "irr-maintainer", url, pulumi.Output.secret(mntner_auth.apply(lambda a: maintainer_objects(cfg, a))),
        via=via, passwords=[password], new_maintainer_override=override, keep_on_delete=True,
        opts=pulumi.ResourceOptions(depends_on=after))
    routes_after: list[pulumi.Resource] = [maintainer]
    if world:
        routes_after.append(IrrObjects(
            "irr-registry-assignment", url, lab_assignment_objects(cfg), via=via, override=override,
            opts=pulumi.ResourceOptions(depends_on=[maintainer])))
    return [IrrObjects("irr-routing-objects", url, routing_objects(cfg), via=via, passwords=[password],
                       opts=pulumi.ResourceOptions(depends_on=routes_after))]


def build_monitoring(stack: str, cfg: StackConfig, world: LabWorld | None, plan, images, on_host, vps: Host,
                     home: Host, tls_ca: LabCa, krill: KrillCA, status_url: str, after_vps: list[pulumi.Resource],
                     after_home: list[pulumi.Resource]) -> Monitoring:
    """Metrics and alerts. In a lab world home reaches vps across the lab
    (its link address) and alerts go to the lab's receiver on client."""
    assert cfg.monitoring is not None
    if world is not None:
        vps_address = plan.vps_link6
        receiver = AlertReceiver("lab-alert-receiver", world.hosts["client"], images["metrics"], stack,
                                 after=[world.networks["client"]])
        webhook: pulumi.Input[str] = receiver.url
        after_home = [*after_home, receiver.service.container]
    else:
        vps_address = vps.address
        url = cfg.monitoring.webhook_url
        if url is None:
            raise ValueError("monitoring.webhook_url must be set outside a lab world")  # config validation says so first
        webhook = pulumi.Output.secret(url.get_secret_value())
    return Monitoring("monitoring", MonitoringArgs(
        stack=stack, cfg=cfg, vps=vps, home=home, vps_exporters=on_host["vps"]["exporters"],
        home_exporters=on_host["home"]["exporters"], metrics=on_host["home"]["metrics"], vps_address=vps_address,
        webhook_url=webhook, lab=cfg.faces_lab, after_vps=after_vps, after_home=after_home,
        # A lab world's relying party trusts the lab's TA only.
        tal_url=f"https://{RIR_NAME}:{RirKrill.PORT}/ta/ta.tal" if world else None,
        lab_ca_cert=tls_ca.cert_pem if world else None, status_url=status_url,
        krill_url=f"https://{url_host(cfg.krill.listen)}:{cfg.krill.port}", krill_ca=cfg.krill.handle,
        krill_token=krill.admin_token, tls_endpoints=tls_endpoints(cfg),
    ))


def tls_endpoints(cfg: StackConfig) -> list[str]:
    """The TLS certificates people are served, as cert-status reads them
    from home: the Krill proxy's on home itself, and route0's when ACME
    certifies it (at its address in the announced prefix)."""
    proxy = cfg.krill.proxy
    out = [f"{cfg.krill.public_name}@{url_host(proxy.listen[0])}:{proxy.https_port}"]
    if cfg.acme:
        out.append(f"{cfg.acme.route0_name}@{url_host(cfg.route0_address)}:443")
    return out


def build(cfg: StackConfig, stack: str) -> dict[str, pulumi.Input]:
    for warning in cfg.warnings:
        pulumi.log.warn(warning)
    stage = onboarding_stage(cfg)
    # Before the route can be valid there is no ACME (onboarding.py says why).
    cfg = as_built(cfg, stage)
    require_cross_builds(cfg)
    images = build_images(stack, names=tuple(
        n for n in ALL_IMAGES if (n not in IRR_IMAGES or (cfg.faces_lab and cfg.irr is not None))
        and (n not in MONITORING_IMAGES or cfg.monitoring is not None)
        and (n not in BACKUP_IMAGES or cfg.backup is not None)), refresh_days=cfg.images.refresh_days)
    on_host = user_images(stack, cfg, images)
    passwords = secret_passwords(cfg)
    outputs: dict[str, pulumi.Input] = {}

    # The user's real machines: the same code for prod and for the guests
    # of a lab world.
    real = {h: ssh_host(h, spec, cfg, stack) for h, spec in cfg.hosts.items() if spec.kind == "ssh"}
    hosts: dict[str, Host] = dict(real)
    world = plan = None
    if cfg.faces_lab:
        plan = lab_plan(cfg)
        world = LabWorld("lab", LabWorldArgs(
            stack=stack, cfg=cfg, plan=plan, host_image=images["host"], bird_image=images["bird"], passwords=passwords,
            irr_filter_image=images.get("irr-filter"),
            guests=real, cables={h: cfg.hosts[h].lab_cable for h in real},
        ))
        hosts.update(world.hosts)
        outputs["ssh_private_key"] = world.ssh_key.private_key

    def is_lab_host(h: str) -> bool:
        return cfg.hosts[h].kind == "lab"

    vps, home = hosts["vps"], hosts["home"]
    links = world.links if world else None
    router_after = [world.transit.config, *world.links] if world else []
    vps_net = HostNetwork("vps-network", vps, vps_network(
        cfg, is_lab_host("vps"), plan.addresses_of("vps") if plan else (), plan.routes["vps"] if plan else (),
        ssh_port=vps.ssh_port,
        # lego on vps reaches the lab's ACME CA by name.
        names=plan.names.get("vps", {}).items() if plan else (),
    ), after=[*vps.engine_ready, *router_after], links=links)
    bird_conf = pulumi.Output.secret(
        pulumi.Output.all(**passwords).apply(lambda pw: render_bird_conf(cfg, pw))
    )
    router = BirdRouter("vps-router", BirdRouterArgs(
        stack=stack, host=vps, image=on_host["vps"]["bird"], config=bird_conf,
        verify_sessions=[u.name for u in cfg.upstreams], after=[vps_net, *router_after],
        verify_seconds=LAB_VERIFY_S if is_lab_host("vps") else VERIFY_S,
    ))
    # RFC 8326: when maintenance is switched on, `up` is done only after the
    # upstreams had drain_time to move traffic away (vps cannot see them act).
    draining = sorted(u.name for u in cfg.upstreams if cfg.in_maintenance(u))
    RemoteCommand(
        "vps-router-drain", connection=vps.connection,
        create=f"sleep {cfg.drain_time}" if draining else "true", triggers=draining, timeout=cfg.drain_time + 60,
        opts=pulumi.ResourceOptions(depends_on=[router.config, router.service]),
    )
    # In a lab world transit accepts the user's prefix only once its route
    # objects are in the registry: what needs the route waits for them.
    registered: list[pulumi.Resource] = []
    if cfg.irr:
        # What a user pastes into the RIPE web UI; secret, for the hash in it.
        mntner = PasswordHash("irr-maintainer-password-hash", cfg.irr.maintainer.password.get_secret_value())
        auth = mntner.hash.apply(lambda h: f"BCRYPT-PW {h}")
        outputs["irr_objects"] = pulumi.Output.secret(auth.apply(lambda a: render_irr_objects(cfg, a)))
        registered = build_irr(stack, cfg, world, images, auth)
    route0 = cfg.route0_address
    # The names the stack's CA signs, and no others: the lab's, or the Krill
    # proxy's public name.
    tls_ca = LabCa("tls-ca", common_name=f"personal-as {stack} CA",
                   permitted=[LAB_DOMAIN] if world else [cfg.krill.public_name])
    acme_ca = None
    if world:
        acme_ca = AcmeCa("acme-ca", AcmeCaArgs(
            stack=stack, host=world.hosts["acme"], image=images["pebble"], tls_ca=tls_ca,
            # home too: its own tools check the Krill proxy's certificate.
            clients=[world.hosts["client"], *([hosts["home"]] if cfg.krill_by_acme else [])],
            after=[world.networks["acme"]],
        ))
    # One ACME account for the stack: its key is made once and kept, secret.
    account = AcmeAccount(
        acme=cfg.acme, account_key=EcPrivateKey("acme-account-key", purpose="acme-account").private_key,
        # The lab's CA serves ACME with a certificate from the lab CA.
        directory_ca=tls_ca.cert_pem if world else None,
        ca_identity=acme_ca.service.container.container_id if acme_ca else None,
    ) if cfg.acme else None
    tls = route0_tls(cfg)
    web_after: list[pulumi.Resource] = [vps_net]
    if tls:
        web_after.append(placeholder_certificate("route0-tls-placeholder", vps, tls.name, tls.cert_file, tls.key_file))
    web = WebServer("route0", WebServerArgs(
        stack=stack, host=vps, image=on_host["vps"]["nginx"], config=render_route0_conf(cfg),
        page=render_route0_page(cfg), health_url=f"http://[{route0}]/healthz", after=web_after,
        mounts=NGINX_ACME_MOUNTS if tls else None, acme_request=ACME_NGINX_REQUEST if tls else None,
    ))
    # In a lab world the CA must be up, and the path to it routed, first.
    lab_path = [acme_ca.service, router, world.transit, world.peer, *registered] if world and acme_ca else []

    home_net = HostNetwork("home-network", home, home_network(
        is_lab_host("home"), plan.addresses_of("home") if plan else (), plan.routes.get("home", ()) if plan else (),
        # Krill on home reaches the lab's RIR by name (on a real machine its
        # container shares the host's /etc/hosts).
        plan.names.get("home", {}).items() if plan else (), krill_port=cfg.krill.port,
        proxy_ports=cfg.krill.proxy.proxy_ports(), allow_from=cfg.krill.proxy.allow_from,
    ), after=home.engine_ready, links=links)
    token = (
        pulumi.Output.secret(cfg.krill.admin_token.get_secret_value()) if cfg.krill.admin_token
        else RandomToken("krill-admin-token", purpose="krill-admin-token").value
    )
    proxy = cfg.krill.proxy
    port = "" if proxy.https_port == 443 else f":{proxy.https_port}"
    status_url = f"https://{cfg.krill.public_name}{port}/status/"
    # The status page, behind the Krill proxy (its picture drawn from this plan).
    status = StatusPage("status-page", home, topology_dot(cfg, plan), after=[home_net],
                        prometheus_port=cfg.monitoring.ports.prometheus) if cfg.monitoring else None
    backup = CaBackup("ca-backup", CaBackupArgs(
        stack=stack, cfg=cfg, vps=vps, home=home, vps_image=on_host["vps"]["backup"],
        home_image=on_host["home"]["backup"],
        # In a lab world home reaches vps across the lab (its link address).
        vps_address=plan.vps_link6 if plan else vps.address, after_vps=[vps_net], after_home=[home_net],
    )) if cfg.backup else None
    krill = KrillCA("home-krill", KrillCAArgs(
        stack=stack, host=home, krill_image=on_host["home"]["krill"], nginx_image=on_host["home"]["nginx"],
        handle=cfg.krill.handle,
        admin_token=token, server_name=cfg.krill.public_name, tls_ca=tls_ca, listen_ip=cfg.krill.listen,
        port=cfg.krill.port, proxy_listen=list(proxy.listen), https_port=proxy.https_port,
        http_port=proxy.http_port,
        # In a lab world the RIR's Krill has a certificate from the stack's CA.
        parent_root_ca=tls_ca.cert_pem if world else None,
        acme=account if cfg.krill_by_acme else None, acme_image=on_host["home"]["acme"], acme_wait=cfg.faces_lab,
        acme_after=[home_net, *lab_path, *([world.networks["rir"], world.networks["validator"]] if world else [])],
        status=status.site if status else None, status_after=status.files if status else [],
        backup_env=backup.krill_env if backup else {}, backup_mounts=backup.krill_mounts if backup else [],
        backup_after=backup.krill_after if backup else [],
    ), opts=pulumi.ResourceOptions(depends_on=[home_net]))
    user_ca = build_lab_rpki(stack, cfg, world, images, tls_ca, krill, home_net) if world else None
    onboarding = None
    if user_ca is None:
        onboarding = PortalOnboarding("user-ca", PortalOnboardingArgs(
            home=home, handle=cfg.krill.handle,
            parent_response=_read_optional(cfg.krill.parent_response_file),
            repository_response=_read_optional(cfg.krill.repository_response_file),
            roas=[(cfg.roa_origin(r), r.prefix, r.effective_max_length) for r in cfg.roas],
            after_home=[krill.krill, home_net], krill_port=cfg.krill.port, aspa=user_aspa(cfg),
        ))
        # Step 2 of the seed's order: hand these to the parent's portal.
        outputs["krill_child_request_xml"] = onboarding.child_request.stdout
        outputs["krill_publisher_request_xml"] = onboarding.publisher_request.stdout
    roas = user_ca.roas if user_ca else onboarding.roas if onboarding else None
    aspa = user_ca.aspa if user_ca else onboarding.aspa if onboarding else None
    if backup and aspa:
        # And after it changes the CA's ASPA.
        backup.request_after("home-backup-after-aspa", [aspa], triggers=[user_aspa(cfg)])
    if backup and roas:
        # A snapshot at once after the stack changes the CA's ROAs.
        backup.request_after("home-backup-after-roas", [roas], triggers=[
            [cfg.roa_origin(r), r.prefix, r.effective_max_length] for r in cfg.roas])
    if tls and account:
        acme_after: list[pulumi.Resource] = [web.service, *lab_path]
        if world and acme_ca and roas:
            # Order, not time: HTTP-01 needs the name routed to the CA, which
            # needs the ROAs (the CA's parent comes before them). The CA's
            # own host waits for route0 to answer before anyone asks it.
            acme_after.append(routed_gate(
                "route0-routed", world.hosts["acme"], tls.name, triggers=[account.ca_identity],
                after=[roas, web.service, *lab_path]))
        AcmeClient("route0-acme", AcmeClientArgs(
            stack=stack, host=vps, image=on_host["vps"]["acme"], account=account, domain=tls.name,
            cert_file=tls.cert_file, key_file=tls.key_file, after=acme_after, wait=cfg.faces_lab,
        ))
    if cfg.monitoring is not None:
        build_monitoring(stack, cfg, world, plan, images, on_host, vps, home, tls_ca, krill, status_url,
                         after_vps=[vps_net, router.service], after_home=[home_net, krill.krill])

    if status:
        outputs.update({"status_url": status_url, "status_user": status.user, "status_password": status.password})
    outputs["onboarding"] = {"stage": stage.key, "next_step": stage.next_step}
    outputs["hosts"] = {h: _host_output(stack, h, cfg.hosts.get(h), hosts[h]) for h in hosts}
    outputs.update({
        "route0_url": route0_url(cfg),
        "route0_address": route0,
        "asn": cfg.asn,
        "prefixes": list(cfg.prefixes),
        "bird_conf": router.rendered,
        "krill_admin_token": krill.admin_token,
        "krill_listen_ip": krill.listen_ip,
        "krill_url": f"https://{cfg.krill.public_name}{port}/",
        "tls_ca_cert": tls_ca.cert_pem,
    })
    return outputs


def _host_output(stack: str, name: str, spec, host: Host) -> pulumi.Output:
    """How to reach a host: its SSH login and the host keys pinned for it."""
    user = spec.user if spec is not None and spec.kind == "ssh" else "root"
    entry = {"ssh": f"{user}@{host.address}:{host.ssh_port}"}
    if spec is None or spec.kind == "lab":
        entry["container"] = naming.host_container(stack, name)
    return host.connection.apply(lambda c: {**entry, "host_keys": c["host_keys"]})
