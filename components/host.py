"""Hosts: something you can run commands on and put containers on.

A lab host is a container the stack creates: it holds the host's network
namespace and runs sshd. A prod host is a real machine reached over SSH.
Both expose the same things to the services on them: an SSH connection for
provisioning, and how a service container joins the host (its network and
PID namespaces, and where a host path comes from).
"""

from __future__ import annotations

from dataclasses import dataclass, field
import pulumi

from . import naming
from .container_image import ContainerImage
from .providers.container import Container, Volume
from .config.home_ports import Binding
from .providers.host_key import HostKey
from .providers.link import MgmtBridge, MgmtPort
from .providers.platform_probe import HostPlatform
from .providers.port_probe import PortsFree
from .providers.remote_command import RemoteCommand
from .providers.secrets import SshKeyPair
from .render.provision import render_host_packages, render_host_packages_check, render_host_packages_undo


class Host(pulumi.ComponentResource):
    """What every host offers its services, and the one place that says
    how a lab host and a real (SSH) host differ:

    - connection: how SSH reaches it (RemoteCommand); both pin the host key.
    - engine: where its containers live: None for this machine's engine (a
      lab host), or the connection for a real host's own engine over SSH.
    - ships_images: a real host has no registry to pull from, so images are
      shipped to it; a lab host shares this machine's images.
    - network_mode / pid_mode: how a service joins the host's namespaces.
    - identity: changes when the host becomes a new machine (a recreated lab
      host container), so services on it are recreated too.
    - ready: SSH works. engine_ready: containers can be created on it.
    - tools_in_host: a lab host's image carries every tool provisioning uses
      (birdc, nginx -t, krillc); a real host runs a daemon's own client from
      its container (`docker exec`).
    - health_probe: when its services' health probes run, where the image's
      own schedule (every 30 s, 3-5 s to answer) does not hold: None, or
      {"interval": s, "timeout": s} on an emulated machine
      (StackConfig.emulated), where each probe is a slow `docker exec`.
    """

    name: str
    address: str
    ssh_port: int
    connection: pulumi.Output[dict]
    engine: pulumi.Output[dict | None]
    ships_images: bool
    network_mode: str
    pid_mode: str
    identity: pulumi.Output[str] | None
    ready: list[pulumi.Resource]
    engine_ready: list[pulumi.Resource]
    tools_in_host: bool
    health_probe: dict[str, int] | None = None

    def mount_source(self, path: str) -> str:
        raise NotImplementedError


@dataclass
class LabHostArgs:
    stack: str
    host: str
    image: ContainerImage
    ssh_key: SshKeyPair
    host_key: SshKeyPair  # the host's own ed25519 key: made by the stack, so pinned from the start
    mgmt_bridge: MgmtBridge
    mgmt_address: str  # with prefix length
    # Host paths shared with service containers (config, sockets, data).
    shared_paths: dict[str, str] = field(default_factory=dict)  # path -> purpose
    # /etc/hosts entries: lab names resolve without a DNS server.
    extra_hosts: dict[str, str] = field(default_factory=dict)


class LabHost(Host):
    def __init__(self, name: str, args: LabHostArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("personal-as:host:LabHost", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.name = args.host
        self.container_name = naming.host_container(args.stack, args.host)
        labels = naming.labels(args.stack, args.host, "host")
        self._volume_names = {
            path: naming.volume(args.stack, args.host, purpose) for path, purpose in args.shared_paths.items()
        }
        self._volumes = {
            path: Volume(f"{name}-vol-{purpose}", naming.volume(args.stack, args.host, purpose), labels, opts=child)
            for path, purpose in args.shared_paths.items()
        }
        self.container = Container(f"{name}-container", {
            "name": self.container_name, "hostname": args.host, "image": args.image.tag,
            "image_id": args.image.image_id,
            # Hosts start with no network: links and the management port are
            # wired in by the stack, as on a real machine.
            "network_mode": "none", "labels": labels,
            # Sysctls (forwarding, IPv6) need a writable /proc/sys; addresses,
            # routes and nftables need NET_ADMIN. Not --privileged: it asks for
            # every capability, and this machine's runtime cannot grant them all.
            "cap_add": ["NET_ADMIN", "NET_RAW"], "unconfined_proc": True, "init": True,
            "volumes": {vol: path for path, vol in self._volume_names.items()},
            "files": {
                "/root/.ssh/authorized_keys": {"content": args.ssh_key.public_key, "mode": "0600"},
                "/etc/ssh/ssh_host_ed25519_key": {"content": args.host_key.private_key, "mode": "0600"},
                "/etc/ssh/ssh_host_ed25519_key.pub": {"content": args.host_key.public_key, "mode": "0644"},
            },
            "extra_hosts": args.extra_hosts,
        }, opts=pulumi.ResourceOptions(parent=self, depends_on=list(self._volumes.values())))
        self.mgmt = MgmtPort(
            f"{name}-mgmt", container=self.container_name, container_id=self.container.container_id,
            bridge=naming.mgmt_bridge(args.stack),
            address=args.mgmt_address, outer_if=naming.mgmt_port(args.stack, args.host),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[args.mgmt_bridge]),
        )
        self.address = args.mgmt_address.split("/")[0]
        self.ssh_port = 22
        # The container's id is part of the connection: a recreated host is a
        # new machine, and everything provisioned over SSH must run again.
        # Its host key is the one the stack made, so it is pinned from birth.
        self.connection = pulumi.Output.all(
            self.mgmt.id, args.ssh_key.private_key, self.container.container_id, args.host_key.public_key,
        ).apply(lambda a: {"host": self.address, "port": 22, "user": "root", "private_key": a[1], "host_id": a[2],
                           "host_keys": [" ".join(a[3].split()[:2])]})
        self.engine = pulumi.Output.from_input(None)
        self.ships_images = False
        self.tools_in_host = True
        self.network_mode = f"container:{self.container_name}"
        self.pid_mode = f"container:{self.container_name}"
        self.identity = self.container.container_id
        self.ready = [self.container, self.mgmt]
        self.engine_ready = [self.container]
        self.register_outputs({"container": self.container_name, "address": self.address})

    def mount_source(self, path: str) -> str:
        """The Docker volume that holds `path` on this host."""
        return self._volume_names[path]


@dataclass
class SshHostArgs:
    host: str
    address: str
    user: str
    port: int
    key_file: str | None
    known_hosts: list[str] | None  # pinned keys from config; else recorded on first contact
    # Debian packages this host's roles use for their tools, each with the
    # service of its own that must never run here (the daemons run in containers).
    packages: dict[str, str | None]
    users: list[str]  # system users for daemons that have no package here (krill)
    # The ports the stack listens on here, each with its config key: preview
    # refuses any that something else on the box holds (a home with other jobs).
    ports: list[Binding] = field(default_factory=list)
    stack: str = ""
    arch: str = "amd64"  # hosts.<name>.arch: what its images are built for
    health_probe: dict[str, int] | None = None  # Host.health_probe


def _warn_untested(platform: dict | None, host: str, address: str) -> None:
    from .render.platform_probe import Platform, untested

    said = untested(Platform.of(platform), host, address) if platform else None
    if said:
        pulumi.log.warn(said)


class SshHost(Host):
    """A real host: Docker runs on it, services use host networking, and
    everything goes through one SSH connection with a pinned host key."""

    def __init__(self, name: str, args: SshHostArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("personal-as:host:SshHost", name, None, opts)
        self.name = args.host
        self.address = args.address
        self.ssh_port = args.port
        self.host_key = HostKey(f"{name}-host-key", args.host, args.address, args.port, args.known_hosts,
                                opts=pulumi.ResourceOptions(parent=self))
        # The key stays in its file on the operator's machine; only its path
        # goes into the state, and SSH reads it when it connects.
        self.connection = self.host_key.keys.apply(lambda keys: {
            "host": args.address, "port": args.port, "user": args.user, "key_file": args.key_file,
            "host_keys": keys,
        })
        self.engine = self.connection
        self.ships_images = True
        self.tools_in_host = False
        self.network_mode = "host"
        self.pid_mode = "host"
        self.identity = None
        self.health_probe = args.health_probe
        reach = {"host": args.address, "port": args.port, "user": args.user, "key_file": args.key_file,
                 "pinned": args.known_hosts or None}
        # Before anything is installed: a host the stack cannot work with
        # (no network stack it can write to) is refused at preview.
        self.platform = HostPlatform(f"{name}-platform", args.host, reach, self.connection, args.arch,
                                     opts=pulumi.ResourceOptions(parent=self))
        # Known at preview (the probe runs in check): an untested release is
        # said before anything is installed, and then at every run.
        self.platform.platform.apply(lambda p: _warn_untested(p, args.host, args.address))
        self.ready = [self.host_key, self.platform]
        if args.ports:
            self.ports = PortsFree(
                f"{name}-ports-free", args.host, reach, self.connection, [{"key": list(b.key), "port": b.port, "addresses": list(b.addresses)}
                                  for b in args.ports],
                naming.host_container(args.stack, args.host), opts=pulumi.ResourceOptions(parent=self))
            self.ready.append(self.ports)
        self.packages = RemoteCommand(
            f"{name}-packages", connection=self.connection,
            create=render_host_packages(args.packages, args.users), timeout=1200,
            delete=render_host_packages_undo(), drift_check=render_host_packages_check(args.packages, args.users),
            opts=pulumi.ResourceOptions(parent=self, depends_on=self.ready),
        )
        self.engine_ready = [self.packages]
        self.register_outputs({"address": args.address})

    def mount_source(self, path: str) -> str:
        return path  # a bind mount of the host's own directory
