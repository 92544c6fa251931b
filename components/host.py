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
from .providers.link import MgmtBridge, MgmtPort
from .providers.secrets import SshKeyPair


class Host(pulumi.ComponentResource):
    """What every host offers its services."""

    name: str
    connection: pulumi.Output[dict]
    network_mode: str  # how service containers join the host's network
    pid_mode: str  # ...and its PIDs, so provisioning can signal daemons
    ready: list[pulumi.Resource]  # what must exist before anything runs on it

    def mount_source(self, path: str) -> str:
        raise NotImplementedError


@dataclass
class LabHostArgs:
    stack: str
    host: str
    image: ContainerImage
    ssh_key: SshKeyPair
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
            "files": {"/root/.ssh/authorized_keys": {"content": args.ssh_key.public_key, "mode": "0600"}},
            "extra_hosts": args.extra_hosts,
        }, opts=pulumi.ResourceOptions(parent=self, depends_on=list(self._volumes.values())))
        self.mgmt = MgmtPort(
            f"{name}-mgmt", container=self.container_name, container_id=self.container.container_id,
            bridge=naming.mgmt_bridge(args.stack),
            address=args.mgmt_address, outer_if=naming.mgmt_port(args.stack, args.host),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[args.mgmt_bridge]),
        )
        self.address = args.mgmt_address.split("/")[0]
        # The container's id is part of the connection: a recreated host is a
        # new machine, and everything provisioned over SSH must run again.
        self.connection = pulumi.Output.all(self.mgmt.id, args.ssh_key.private_key, self.container.container_id).apply(
            lambda a: {"host": self.address, "port": 22, "user": "root", "private_key": a[1], "host_id": a[2]}
        )
        self.network_mode = f"container:{self.container_name}"
        self.pid_mode = f"container:{self.container_name}"
        self.ready = [self.container, self.mgmt]
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


class SshHost(Host):
    """A real host (prod). Docker runs on it; services use host networking."""

    def __init__(self, name: str, args: SshHostArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("personal-as:host:SshHost", name, None, opts)
        self.name = args.host
        self.address = args.address
        # The key stays in its file on the operator's machine; only its path
        # goes into the state, and SSH reads it when it connects.
        self.connection = pulumi.Output.from_input(
            {"host": args.address, "port": args.port, "user": args.user, "key_file": args.key_file}
        )
        self.network_mode = "host"
        self.pid_mode = "host"
        self.docker_host = f"ssh://{args.user}@{args.address}:{args.port}"
        self.ready = []
        self.register_outputs({"address": args.address})

    def mount_source(self, path: str) -> str:
        return path  # a bind mount of the host's own directory
