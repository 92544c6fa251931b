"""The TCP ports the stack listens on at home, each with the config key that
chose it. home is a box with other jobs: every one of these ports must be
free there, and preview checks that they are (providers/port_probe.py)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

LOOPBACK = ("127.0.0.1",)
WILDCARDS = {"0.0.0.0", "::", "*"}


@dataclass(frozen=True)
class Binding:
    key: tuple  # the config key, as a KeyedError path: ("krill", "proxy", "https_port")
    port: int
    addresses: tuple[str, ...]

    @property
    def key_text(self) -> str:
        return ".".join(str(k) for k in self.key)


def home_bindings(cfg) -> list[Binding]:
    """What the stack binds on home, from its validated config."""
    krill, proxy = cfg.krill, cfg.krill.proxy
    out = [Binding(("krill", "port"), krill.port, (krill.listen,)),
           Binding(("krill", "proxy", "https_port"), proxy.https_port, tuple(proxy.listen))]
    if proxy.http_port is not None:
        out.append(Binding(("krill", "proxy", "http_port"), proxy.http_port, tuple(proxy.listen)))
    if cfg.monitoring is not None:
        ports = cfg.monitoring.ports
        for name in ("prometheus", "alertmanager", "node", "tunnel_node", "tunnel_bird"):
            out.append(Binding(("monitoring", "ports", name), getattr(ports, name), LOOPBACK))
    if cfg.backup is not None and cfg.backup.on_vps:
        out.append(Binding(("backup", "port"), cfg.backup.port, LOOPBACK))  # the tunnel's end
    return out


def _family(address: str) -> set[int]:
    if address == "*":
        return {4, 6}
    return {ipaddress.ip_address(address).version}


def overlaps(a: str, b: str) -> bool:
    """Whether two listeners on one port would collide: the same address, or
    a wildcard of the same family on either side (binding 127.0.0.1:80 fails
    while Apache holds 0.0.0.0:80). `*` is a dual-stack socket: both."""
    a, b = a.strip("[]"), b.strip("[]")
    if a == b:
        return True
    if a in WILDCARDS or b in WILDCARDS:
        return bool(_family(a) & _family(b))
    return False


def clashes(bindings: list[Binding]) -> list[tuple[Binding, Binding]]:
    """Pairs (earlier, later) of the stack's own bindings that would collide."""
    out = []
    for i, later in enumerate(bindings):
        for earlier in bindings[:i]:
            if later.port == earlier.port and any(overlaps(a, b) for a in later.addresses
                                                  for b in earlier.addresses):
                out.append((earlier, later))
                break
    return out
