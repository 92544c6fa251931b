"""CaBackup: the Krill CA's data backed up off home by restic, and restored
onto a home that lost it.

- vps (target `vps`): restic's rest-server in a container of its own, on
  vps's loopback, append-only. home reaches it through an SSH tunnel with a
  key the stack makes, to a user that may only forward to that one port (as
  the metrics tunnel does). Retention (`forget --prune`) runs on vps at
  `up`, with the repository's password on stdin: vps never keeps it, and
  home, which does, can add snapshots but never delete one.
- home: the backup client (images/backup/backup-client.sh), as Krill's uid:
  a snapshot every `interval_minutes`, and one after each change the stack
  makes to Krill (`request` below). It also stages restores, which Krill's
  entrypoint puts in place before Krill starts (images/krill/entrypoint.sh):
  the newest snapshot on a home whose data is missing, or the one
  `krill.restore_snapshot` names.

The password is the user's (`backup.password`), never generated: a lost
state does not lose the backups.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi

from .config import StackConfig
from .config.backup import restic_timeout
from .container_image import ContainerImage
from .host import Host
from .host_file import host_file
from .providers.remote_command import RemoteCommand
from .providers.secrets import SshKeyPair
from .providers.ssh import known_name
from .render.env import sh_word
from .render.provision import BACKUP_TUNNEL_PURPOSE, render_metrics_user, render_metrics_user_check, \
    render_metrics_user_remove
from .service import ServiceArgs, ServiceContainer, config_digest

BACKUP_DIR = "/var/lib/personal-as/backup"  # vps: the repository; home: the client's work
BACKUP_ETC = "/etc/personal-as/backup"
# The client's metrics, for node_exporter's textfile collector: a directory
# of their own (node_exporter runs as nobody; the work directory holds a
# copy of the CA's keys).
BACKUP_METRICS = "/var/lib/personal-as/backup-metrics"
PASSWORD_FILE = f"{BACKUP_ETC}/password"
TUNNEL_KEY = f"{BACKUP_ETC}/tunnel-key"
TUNNEL_KNOWN_HOSTS = f"{BACKUP_ETC}/known_hosts"
TUNNEL_USER = "personal-as-backup"
# The repository may not grow past this on vps (rest-server --max-size): a
# CA with its ROAs is a few MB a snapshot, deduplicated.
MAX_REPO_BYTES = 1 << 30


@dataclass
class CaBackupArgs:
    stack: str
    cfg: StackConfig
    vps: Host
    home: Host
    vps_image: ContainerImage  # built for vps's architecture
    home_image: ContainerImage
    vps_address: str  # where home reaches vps's sshd (a lab world: its link address)
    after_vps: list[pulumi.Resource] = field(default_factory=list)
    after_home: list[pulumi.Resource] = field(default_factory=list)


def in_service(host: Host, container: str, command: str) -> str:
    """`command` where the service's tools are: a lab host carries them
    itself, a real host runs them in the service's container."""
    return command if host.tools_in_host else f"docker exec -i {sh_word(container)} {command}"


def retention_due(total: int) -> int:
    """Snapshots vps may hold before `preview` shows retention as a change:
    what the policy keeps, and a day of hourly snapshots more."""
    return total + 24


class CaBackup(pulumi.ComponentResource):
    def __init__(self, name: str, args: CaBackupArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("personal-as:rpki:CaBackup", name, None, opts)
        cfg, backup = args.cfg, args.cfg.backup
        assert backup is not None
        vps, home, stack = args.vps, args.home, args.stack
        child = pulumi.ResourceOptions(parent=self)
        password = pulumi.Output.secret(backup.password.get_secret_value())
        home_after = [*home.engine_ready, *args.after_home]
        # home's directories: the client's work (Krill's uid writes there,
        # and Krill's entrypoint takes staged restores from it) and the
        # password, root's, 0600. Destroy leaves the work directory: a
        # staged restore or the data a restore set aside may be in it.
        work = RemoteCommand(
            "home-backup-dirs", connection=home.connection,
            # Krill's data directory too (as KrillCA makes it): the client
            # runs as its owner, and may start before Krill's config is there.
            create=f"set -eu\nmkdir -p {BACKUP_DIR} {BACKUP_ETC} {BACKUP_METRICS}\n"
                   "install -d -o krill -g krill /var/lib/krill\n"
                   f"chown krill:krill {BACKUP_DIR} {BACKUP_METRICS}\nchmod 0755 {BACKUP_DIR} {BACKUP_METRICS}\n",
            # (A lab host's directory is a volume's mount point: it stays.)
            delete=f"rm -rf --one-file-system {BACKUP_METRICS} 2>/dev/null || true",
            drift_check=f'[ "$(stat -c %U {BACKUP_DIR})" = krill ] && [ "$(stat -c %U {BACKUP_METRICS})" = krill ]',
            opts=pulumi.ResourceOptions(parent=self, depends_on=home_after))
        dirs = (BACKUP_ETC,)
        files = [work, host_file("home-backup-password", home, PASSWORD_FILE, password, mode="0600", dirs=dirs,
                                 opts=pulumi.ResourceOptions(parent=self, depends_on=[work]))]
        env = {"RESTIC_PASSWORD_FILE": PASSWORD_FILE, "BACKUP_METRICS_DIR": BACKUP_METRICS,
               "BACKUP_TIMEOUT_S": str(restic_timeout(cfg.faces_lab))}
        command = ["backup-client", str(backup.interval_minutes * 60)]
        if backup.on_vps:
            repo_env, tunnel = self._vps_side(args, password, child)
            env.update(repo_env)
            files += [host_file("home-backup-tunnel-key", home, TUNNEL_KEY, tunnel.private_key, mode="0600",
                                dirs=dirs, opts=pulumi.ResourceOptions(parent=self, depends_on=[work])),
                      host_file("home-backup-known-hosts", home, TUNNEL_KNOWN_HOSTS,
                                pulumi.Output.unsecret(self.known_hosts), dirs=dirs,
                                opts=pulumi.ResourceOptions(parent=self, depends_on=[work]))]
            command += [TUNNEL_KEY, TUNNEL_KNOWN_HOSTS, str(vps.ssh_port), f"{TUNNEL_USER}@{args.vps_address}",
                        str(backup.port)]
            files.append(self.user)
        else:
            # The user's own REST server: its URL may hold credentials, so it
            # travels as a root-only file, never in the environment.
            files.append(host_file("home-backup-repository", home, f"{BACKUP_ETC}/repository",
                                   pulumi.Output.secret(backup.target), mode="0600", dirs=dirs,
                                   opts=pulumi.ResourceOptions(parent=self, depends_on=[work])))
            env["RESTIC_REPOSITORY_FILE"] = f"{BACKUP_ETC}/repository"
        if cfg.krill.restore_snapshot:
            env["RESTORE_SNAPSHOT"] = cfg.krill.restore_snapshot
        self.client = ServiceContainer(f"{home.name}-backup", ServiceArgs(
            stack=stack, host=home, service="backup", image=args.home_image, command=command, env=env,
            mounts=["/var/lib/krill", BACKUP_DIR, BACKUP_ETC, BACKUP_METRICS], after=files, ship_after=args.after_home,
            # The password, key and host key are read when the client starts.
            restart_with=config_digest(pulumi.Output.all(password, self._key_text(backup.on_vps)).apply("".join),
                                       secret=True),
        ), opts=child)
        # What Krill's container needs to take its restores from the client
        # (images/krill/entrypoint.sh).
        self.krill_env = {"BACKUP_DIR": BACKUP_DIR, "KRILL_NEW_CA": "true" if cfg.krill.new_ca else "false",
                          **({"RESTORE_SNAPSHOT": cfg.krill.restore_snapshot} if cfg.krill.restore_snapshot else {})}
        self.krill_mounts = [BACKUP_DIR]
        self.krill_after: list[pulumi.Resource] = [self.client.container]
        self.home = home
        self.register_outputs({"client": self.client.container_name})

    def _key_text(self, on_vps: bool) -> pulumi.Output[str]:
        if not on_vps:
            return pulumi.Output.from_input("")
        return pulumi.Output.all(self.tunnel_key.public_key, self.known_hosts).apply("".join)

    def _vps_side(self, args: CaBackupArgs, password: pulumi.Output[str], child: pulumi.ResourceOptions):
        backup, vps, stack = args.cfg.backup, args.vps, args.stack
        assert backup is not None
        vps_after = [*vps.engine_ready, *args.after_vps]
        self.tunnel_key = SshKeyPair("backup-tunnel-key", comment=f"personal-as {stack} backup tunnel", opts=child)
        forwards = [f"127.0.0.1:{backup.port}"]
        self.user = RemoteCommand(
            "vps-backup-user", connection=vps.connection,
            create=render_metrics_user(TUNNEL_USER, forwards, BACKUP_TUNNEL_PURPOSE),
            delete=render_metrics_user_remove(TUNNEL_USER),
            drift_check=render_metrics_user_check(TUNNEL_USER, forwards, BACKUP_TUNNEL_PURPOSE),
            stdin=self.tunnel_key.public_key,
            opts=pulumi.ResourceOptions(parent=self, depends_on=vps_after))
        # The repository: the tunnel user's. Destroy leaves it (and so the
        # user's files): the backups are what must survive anything.
        repo = RemoteCommand(
            "vps-backup-repository", connection=vps.connection,
            create=f"set -eu\nmkdir -p {BACKUP_DIR}\nchown {TUNNEL_USER}:{TUNNEL_USER} {BACKUP_DIR}\n"
                   f"chmod 0700 {BACKUP_DIR}\n",
            drift_check=f'[ "$(stat -c %U {BACKUP_DIR})" = {TUNNEL_USER} ]',
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.user]))
        self.server = ServiceContainer(f"{vps.name}-backup-server", ServiceArgs(
            stack=stack, host=vps, service="backup-server", image=args.vps_image,
            command=["backup-server", "serve", str(backup.port), str(MAX_REPO_BYTES)], mounts=[BACKUP_DIR],
            after=[repo], ship_after=args.after_vps,
        ), opts=child)
        keep = backup.keep
        server = self.server.container_name
        # Retention at `up`, when the repository holds more than the policy
        # keeps and a day more: `preview` shows it as due, and the next `up`
        # prunes, with the password on stdin.
        RemoteCommand(
            "vps-backup-retention", connection=vps.connection,
            create=in_service(vps, server, f"backup-server prune {keep.hourly} {keep.daily} {keep.monthly}"),
            stdin=password, triggers=[keep.hourly, keep.daily, keep.monthly],
            # (The check reads its stdin, the password, before it answers:
            # the SSH runner judges a command that exits first by its exit
            # status, but a drained stdin keeps the session orderly.)
            drift_check=f'cat >/dev/null; n=$({in_service(vps, server, "backup-server count")}); '
                        f'[ "$n" -le {retention_due(keep.hourly + keep.daily + keep.monthly)} ] || '
                        f'{{ echo "drift: $n snapshots on vps: retention is due"; exit 1; }}',
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.server.container]))
        port = vps.ssh_port
        where = known_name({"host": args.vps_address, "port": port})
        self.known_hosts = vps.connection.apply(lambda c: "".join(f"{where} {k}\n" for k in c["host_keys"]))
        return {"RESTIC_REPOSITORY": f"rest:http://127.0.0.1:{backup.port}/"}, self.tunnel_key

    def request_after(self, name: str, changes: list[pulumi.Resource], triggers: list) -> RemoteCommand:
        """A snapshot at once after `changes` (the stack's changes to Krill):
        the client takes it within seconds."""
        return RemoteCommand(
            name, connection=self.home.connection, create=f"touch {BACKUP_DIR}/request", triggers=triggers,
            opts=pulumi.ResourceOptions(parent=self, depends_on=changes))
