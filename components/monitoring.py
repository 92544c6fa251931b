"""Monitoring: exporters on vps and home, Prometheus and Alertmanager on
home, and the SSH tunnel home scrapes vps through.

Why a tunnel and not firewall rules for home's address: vps's exporters
then listen on vps's loopback only, so nothing of them faces the internet,
whatever the firewall; and home's address in prod is a household line's,
often dynamic, which an allow-list cannot follow. The tunnel is SSH with a
key the stack makes, to a user on vps that may do nothing but forward to
these two ports, and it checks vps's host key as the stack pinned it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi

from .ca_backup import BACKUP_METRICS
from .config import StackConfig
from .config.monitoring import Monitoring as MonitoringConfig
from .container_image import ContainerImage
from .host import Host
from .host_file import host_file
from .onboarding import onboarding_stage
from .providers.remote_command import RemoteCommand
from .providers.secrets import SshKeyPair
from .providers.ssh import known_name
from .render.monitoring import (
    ALERTMANAGER_FILE, CONSOLES_DIR, METRICS_ETC, RULES_FILE, STATUS_CONSOLE, render_alert_rules,
    render_alertmanager_yml, render_prometheus_yml, render_status_console,
)
from .render.provision import render_metrics_user, render_metrics_user_check, render_metrics_user_remove
from .service import ServiceArgs, ServiceContainer, config_digest
from .render.env import sh_word

PROMETHEUS_DATA = "/var/lib/personal-as/prometheus"
ALERTMANAGER_DATA = "/var/lib/personal-as/alertmanager"
TUNNEL_USER = "personal-as-metrics"
TUNNEL_KEY = f"{METRICS_ETC}/tunnel-key"
TUNNEL_KNOWN_HOSTS = f"{METRICS_ETC}/known_hosts"
KRILL_TOKEN = f"{METRICS_ETC}/krill-token"
OWN_PREFIXES_FILE = f"{METRICS_ETC}/own-prefixes"
# Every collector a router's operator reads; the rest only add series.
NODE_COLLECTORS = ("cpu", "meminfo", "loadavg", "filesystem", "netdev", "time")
# rpki-status writes the own prefixes' RPKI states here; home's
# node_exporter serves them (its textfile collector).
TEXTFILE_DIR = "/var/lib/personal-as/metrics-textfile"
RPKI_CACHE = "/var/cache/personal-as/rpki-client"
RPKI_OUT = "/var/lib/personal-as/rpki-client"


def node_exporter_command(port: int, textfile_dirs: tuple[str, ...] = ()) -> list[str]:
    return ["node", f"--web.listen-address=127.0.0.1:{port}", "--collector.disable-defaults",
            *[f"--collector.{c}" for c in NODE_COLLECTORS],
            *(["--collector.textfile"] if textfile_dirs else []),
            *[f"--collector.textfile.directory={d}" for d in textfile_dirs]]


@dataclass
class MonitoringArgs:
    stack: str
    cfg: StackConfig
    vps: Host
    home: Host
    vps_exporters: ContainerImage  # built for vps's architecture
    home_exporters: ContainerImage
    metrics: ContainerImage  # for home
    # Where home reaches vps's sshd: its public address (prod), or its
    # address on the lab's link (a lab world).
    vps_address: str
    webhook_url: pulumi.Input[str]
    lab: bool
    # A lab world's TA publishes its TAL here, over HTTPS from the lab CA.
    tal_url: str | None = None
    lab_ca_cert: pulumi.Input[str] | None = None
    after_vps: list[pulumi.Resource] = field(default_factory=list)
    after_home: list[pulumi.Resource] = field(default_factory=list)
    # Where the status page is served (Prometheus's external URL: its links).
    status_url: str = "http://127.0.0.1:9090/"
    # cert-status: the user's Krill CA (its API on home, the admin token),
    # and the TLS endpoints people reach, as "<name>@<host>:<port>".
    krill_url: str = "https://127.0.0.1:3000"
    krill_ca: str | None = None
    krill_token: pulumi.Input[str] | None = None
    tls_endpoints: list[str] = field(default_factory=list)


def rpki_status_interval(cfg, lab: bool) -> int:
    """Seconds between home's RPKI validations: 10 min for real (a run over
    the whole RPKI takes minutes); in a lab world 10 s, so a ROA change is
    seen at once, but 180 s when home is an emulated machine (vmlab). There
    a run (rpki-client's processes, then rpki-status and cert-status, two
    Python starts) costs about 15 s of a vCPU: every 60 s it was still a
    fifth of one vCPU all the time (measured 2026-12-07, home otherwise
    idle at 30 %), on a machine whose guests are most of a test run's CPU.
    What waits on it there waits up to 300 s."""
    if not lab:
        return 600
    return 180 if cfg.emulated("home") else 10


class Monitoring(pulumi.ComponentResource):
    def __init__(self, name: str, args: MonitoringArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("personal-as:monitoring:Monitoring", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        vps, home, stack = args.vps, args.home, args.stack
        ports = (args.cfg.monitoring or MonitoringConfig()).ports

        def service(host: Host, service: str, image: ContainerImage, command: list[str], mounts: list[str],
                    after: list[pulumi.Resource], restart_with: pulumi.Input[str] | None = None) -> ServiceContainer:
            # Shipped after what it waits for (the route's daemons, Krill):
            # telemetry is not on the way to the announcement.
            return ServiceContainer(f"{host.name}-{service}", ServiceArgs(
                stack=stack, host=host, service=service, image=image, mounts=mounts, after=after, command=command,
                restart_with=restart_with, ship_after=after), opts=child)

        # home's monitoring data: made here, and dropped at destroy after
        # every service that uses it (metrics and silences are telemetry the
        # next `up` starts again; the CA's keys, which are not, stay).
        data_dirs = (PROMETHEUS_DATA, ALERTMANAGER_DATA, TEXTFILE_DIR, RPKI_OUT, RPKI_CACHE)
        data = RemoteCommand(
            "home-metrics-data", connection=home.connection,
            create="set -eu\n" + "".join(f"mkdir -p {sh_word(d)}\n" for d in data_dirs),
            delete="set -u\n" + "".join(f"rm -rf --one-file-system {sh_word(d)} 2>/dev/null || true\n"
                                         for d in (*data_dirs, CONSOLES_DIR, METRICS_ETC))
            # What the stack's own paths leave behind, if nothing else is in them.
            + "rmdir /var/cache/personal-as /var/lib/personal-as /etc/personal-as 2>/dev/null || true\n",
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*home.ready, *args.after_home]))
        after_home = [*args.after_home, data]

        # vps: the exporters, on its loopback.
        self.vps_node = service(vps, "node-exporter", args.vps_exporters, node_exporter_command(ports.node), [],
                                args.after_vps)
        self.vps_bird = service(vps, "bird-exporter", args.vps_exporters, [
            "bird", "-bird.v2", "-format.new", "-bird.socket=/run/bird/bird.ctl",
            f"-web.listen-address=127.0.0.1:{ports.bird}"], ["/run/bird"], args.after_vps)
        # The backup client's metrics too (ca_backup.py), from a directory of its own.
        textfiles = (TEXTFILE_DIR, *((BACKUP_METRICS,) if args.cfg.backup else ()))
        self.home_node = service(home, "node-exporter", args.home_exporters,
                                 node_exporter_command(ports.node, textfiles), list(textfiles), after_home)

        # The tunnel: a key of its own, a user on vps that may only forward.
        key = SshKeyPair("metrics-tunnel-key", comment=f"personal-as {stack} metrics tunnel", opts=child)
        forwards = [f"127.0.0.1:{ports.node}", f"127.0.0.1:{ports.bird}"]
        user = RemoteCommand(
            "vps-metrics-user", connection=vps.connection,
            create=render_metrics_user(TUNNEL_USER, forwards), delete=render_metrics_user_remove(TUNNEL_USER),
            drift_check=render_metrics_user_check(TUNNEL_USER, forwards), stdin=key.public_key,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*vps.engine_ready, *args.after_vps]),
        )
        dirs = (METRICS_ETC,)
        home_after = [*home.ready, *after_home]
        key_file = host_file("home-metrics-tunnel-key", home, TUNNEL_KEY, key.private_key, mode="0600", dirs=dirs,
                             opts=pulumi.ResourceOptions(parent=self, depends_on=home_after))
        port = vps.ssh_port
        where = known_name({"host": args.vps_address, "port": port})
        known = vps.connection.apply(lambda c: "".join(f"{where} {k}\n" for k in c["host_keys"]))
        known_file = host_file("home-metrics-known-hosts", home, TUNNEL_KNOWN_HOSTS, pulumi.Output.unsecret(known),
                               dirs=dirs, opts=pulumi.ResourceOptions(parent=self, depends_on=home_after))
        self.tunnel = service(home, "metrics-tunnel", args.metrics, [
            "metrics-tunnel", TUNNEL_KEY, TUNNEL_KNOWN_HOSTS, str(port), f"{TUNNEL_USER}@{args.vps_address}",
            "-L", f"127.0.0.1:{ports.tunnel_node}:127.0.0.1:{ports.node}",
            "-L", f"127.0.0.1:{ports.tunnel_bird}:127.0.0.1:{ports.bird}"], [METRICS_ETC], [key_file, known_file, user],
            # A new key or host key is read when ssh starts.
            restart_with=config_digest(pulumi.Output.all(key.public_key, known).apply("".join)))

        # The own prefixes as the world's validators see them: rpki-client
        # with the configured TALs, every 10 s in a lab, 10 min for real (a
        # run over the whole RPKI takes minutes).
        rpki_after = list(home_after)
        if args.lab_ca_cert is not None:
            rpki_after.append(host_file("home-metrics-lab-ca", home, f"{METRICS_ETC}/lab-ca.crt", args.lab_ca_cert,
                                        dirs=dirs, opts=pulumi.ResourceOptions(parent=self, depends_on=home_after)))
        cert_env = {"TLS_ENDPOINTS": " ".join(args.tls_endpoints)}
        if args.krill_ca and args.krill_token is not None:
            # The admin token as a root-only file: never in the container's environment.
            rpki_after.append(host_file("home-metrics-krill-token", home, KRILL_TOKEN, pulumi.Output.secret(
                args.krill_token), mode="0600", dirs=dirs, opts=pulumi.ResourceOptions(parent=self,
                                                                                     depends_on=home_after)))
            cert_env.update(KRILL_URL=args.krill_url, KRILL_CA=args.krill_ca, KRILL_TOKEN_FILE=KRILL_TOKEN)
        # The prefixes to judge, as a file the loop reads at each run: a
        # prefix added is picked up without a new container.
        own = "".join(f"{p}={args.cfg.asn}\n" for p in args.cfg.prefixes)
        rpki_after.append(host_file("home-rpki-status-prefixes", home, OWN_PREFIXES_FILE, own, dirs=dirs,
                                    opts=pulumi.ResourceOptions(parent=self, depends_on=home_after)))
        self.rpki_status = ServiceContainer(f"{home.name}-rpki-status", ServiceArgs(
            stack=stack, host=home, service="rpki-status", image=args.metrics,
            mounts=[METRICS_ETC, TEXTFILE_DIR, RPKI_CACHE, RPKI_OUT], after=rpki_after, ship_after=after_home,
            command=["rpki-status-loop", str(rpki_status_interval(args.cfg, args.lab)), f"{TEXTFILE_DIR}/rpki.prom"],
            env={"OWN_PREFIXES_FILE": OWN_PREFIXES_FILE, **({"TAL_URL": args.tal_url} if args.tal_url else {}),
                 **cert_env},
        ), opts=child)

        # Prometheus and Alertmanager, on home's loopback.
        prometheus_yml = render_prometheus_yml(args.cfg)
        rules = render_alert_rules(args.cfg)
        am_yml = pulumi.Output.secret(pulumi.Output.from_input(args.webhook_url).apply(
            lambda url: render_alertmanager_yml(url, args.lab)))
        # A changed config or rule file is reloaded (SIGHUP, through the
        # shared PID namespace), never a restart: Prometheus keeps its state.
        reload = "pkill -HUP -x prometheus || true"
        files = [
            host_file("home-prometheus-config", home, f"{METRICS_ETC}/prometheus.yml", prometheus_yml, dirs=dirs,
                      reload=reload, opts=pulumi.ResourceOptions(parent=self, depends_on=home_after)),
            host_file("home-prometheus-rules", home, RULES_FILE, rules, dirs=dirs, reload=reload,
                      opts=pulumi.ResourceOptions(parent=self, depends_on=home_after)),
        ]
        # The status page: read by Prometheus at each request, so a new one
        # needs no reload.
        files.append(host_file("home-status-console", home, f"{CONSOLES_DIR}/{STATUS_CONSOLE}",
                               render_status_console(args.cfg, onboarding_stage(args.cfg)), dirs=dirs,
                               opts=pulumi.ResourceOptions(parent=self, depends_on=home_after)))
        am_file = host_file("home-alertmanager-config", home, ALERTMANAGER_FILE, am_yml, mode="0600", dirs=dirs,
                            opts=pulumi.ResourceOptions(parent=self, depends_on=home_after))
        self.alertmanager = service(home, "alertmanager", args.metrics, [
            "metrics-daemon", "alertmanager", "--config.file=/dev/shm/alertmanager.yml",
            f"--storage.path={ALERTMANAGER_DATA}", f"--web.listen-address=127.0.0.1:{ports.alertmanager}",
            "--cluster.listen-address="], [METRICS_ETC, ALERTMANAGER_DATA], [am_file],
            restart_with=config_digest(am_yml))
        self.prometheus = service(home, "prometheus", args.metrics, [
            "metrics-daemon", "prometheus", f"--config.file={METRICS_ETC}/prometheus.yml",
            f"--storage.tsdb.path={PROMETHEUS_DATA}", "--storage.tsdb.retention.time=15d",
            f"--web.listen-address=127.0.0.1:{ports.prometheus}",
            f"--web.console.templates={CONSOLES_DIR}", f"--web.console.libraries={CONSOLES_DIR}",
            # Served under the status page's URL by the proxy; links say so.
            f"--web.external-url={args.status_url}", "--web.route-prefix=/"], [METRICS_ETC, PROMETHEUS_DATA],
            [*files, self.alertmanager.container, self.tunnel.container])
        self.register_outputs({})
