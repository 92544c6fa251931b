"""Shell scripts that provisioning runs over SSH: pure text from data."""

from __future__ import annotations

from dataclasses import dataclass, field

from .env import render

ROUTER_SYSCTLS = (
    ("net.ipv6.conf.all.forwarding", 1),
    ("net.ipv4.ip_forward", 1),
)
# Docker turns IPv6 off in containers by default.
BASE_SYSCTLS = (
    ("net.ipv6.conf.all.disable_ipv6", 0),
    ("net.ipv6.conf.default.disable_ipv6", 0),
    ("net.ipv6.conf.all.accept_dad", 0),
    ("net.ipv6.conf.default.accept_dad", 0),
)


@dataclass(frozen=True)
class PrefixInterface:
    name: str
    addresses: tuple[str, ...]
    lab: bool  # a port-less bridge stands in for `dummy` (no module here)


@dataclass(frozen=True)
class Firewall:
    """The stack's rules on a host.

    A router the stack owns (vps) drops everything it does not name. A host
    with other jobs (home) keeps its own services: its table accepts by
    default and only closes the ports of the stack's services that must not
    be reached from outside (`closed_tcp_ports`, open on loopback only).
    """

    ssh_port: int = 22
    bgp_neighbors: tuple[str, ...] = ()
    tcp_ports: tuple[int, ...] = ()
    policy_drop: bool = True
    closed_tcp_ports: tuple[int, ...] = ()


@dataclass(frozen=True)
class HostNetwork:
    host: str
    router: bool
    addresses: tuple[tuple[str, str], ...] = ()
    routes: tuple[str, ...] = ()
    prefix_if: PrefixInterface | None = None
    firewall: Firewall | None = None
    # Lab hosts: the management interface, fenced off to SSH only.
    mgmt_if: str | None = None
    extra_sysctls: tuple[tuple[str, int], ...] = field(default_factory=tuple)
    # Names this host resolves without DNS (a lab world's `rir.lab`): kept in
    # a block of the stack's own in /etc/hosts.
    names: tuple[tuple[str, str], ...] = ()

    @property
    def sysctls(self) -> tuple[tuple[str, int], ...]:
        return BASE_SYSCTLS + (ROUTER_SYSCTLS if self.router else ()) + self.extra_sysctls


def render_host_network(net: HostNetwork) -> str:
    return render(
        "host-network.sh.j2", host=net.host, sysctls=net.sysctls, addresses=net.addresses,
        routes=net.routes, prefix_if=net.prefix_if, firewall=net.firewall,
        mgmt_if=net.mgmt_if, names=net.names,
    )


def render_bird_apply(sessions: list[str], rollback_seconds: int = 120, verify_seconds: int = 90,
                      conf: str = "/etc/bird/bird.conf", socket: str = "/run/bird/bird.ctl") -> str:
    """The safe-apply script; `sessions` are the BGP protocols that must come back."""
    return render(
        "bird-apply.sh.j2", conf=conf, socket=socket, user="bird", sessions=sessions,
        rollback_seconds=rollback_seconds, verify_seconds=verify_seconds,
    )


def render_file_apply(path: str, owner: str = "root:root", mode: str = "0644", check: str | None = None,
                      reload: str | None = None, dirs: tuple[str, ...] = ()) -> str:
    """Install a file from stdin; `check` may use {file} for the candidate;
    `dirs` are made (outermost first) and owned by `owner` too."""
    return render(
        "file-apply.sh.j2", path=path, owner=owner, mode=mode, check=check, reload=reload, dirs=dirs,
        check_comment=f"checked with: {check}" if check else "no check",
    )


def render_host_packages(packages: dict[str, str | None], users: list[str]) -> str:
    """Docker (the host's own, or docker.io) and the tools a real host's roles
    use: `packages` maps each Debian package to the service of its own that
    must never run on the host (None when it has none)."""
    return render("host-packages.sh.j2", packages=sorted(packages.items()), users=sorted(users))
