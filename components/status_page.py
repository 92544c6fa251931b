"""StatusPage: what the Krill proxy on home needs to serve the status page
at /status/: a password the stack makes (kept as a secret; its bcrypt hash
is all the host gets) and the topology picture, drawn by Graphviz from the
stack's own plan. The page itself is Prometheus's console (Monitoring)."""

from __future__ import annotations

import subprocess

import pulumi

from .host import Host
from .host_file import host_file
from .providers.password_hash import PasswordHash
from .providers.secrets import RandomToken
from .render.nginx import StatusSite
from .render.topology_svg import embed_source
from .web_server import NGINX_CONF_DIR

STATUS_USER = "operator"
STATUS_DIR = f"{NGINX_CONF_DIR}/status"
HTPASSWD = f"{STATUS_DIR}/htpasswd"
TOPOLOGY_SVG = f"{STATUS_DIR}/topology.svg"
# nginx's workers run as nobody:nogroup in its image: they read the hash,
# nobody else on the host does.
HTPASSWD_OWNER = "root:nogroup"


def draw_svg(dot: str) -> str:
    """Graphviz's SVG of `dot` (the same input draws the same picture)."""
    try:
        return subprocess.run(["dot", "-Tsvg"], input=dot, capture_output=True, text=True, check=True).stdout
    except FileNotFoundError:
        raise RuntimeError("the status page's topology is drawn by Graphviz, and `dot` is not installed here: "
                           "apt-get install graphviz (scripts/bootstrap.sh installs it)") from None


class StatusPage(pulumi.ComponentResource):
    def __init__(self, name: str, host: Host, topology_dot: str, after: list[pulumi.Resource],
                 prometheus_port: int, opts: pulumi.ResourceOptions | None = None):
        super().__init__("personal-as:monitoring:StatusPage", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.site = StatusSite(HTPASSWD, TOPOLOGY_SVG, prometheus_port)
        self.user = STATUS_USER
        self.password = RandomToken(f"{name}-password", purpose="status-password", nbytes=18, opts=child).value
        digest = PasswordHash(f"{name}-password-hash", self.password, opts=child)
        htpasswd = pulumi.Output.secret(digest.hash.apply(lambda h: f"{STATUS_USER}:{h}\n"))
        placed = pulumi.ResourceOptions(parent=self, depends_on=[*host.ready, *after])
        # Destroy removes the proxy's config before these (it uses them), so
        # the last of them takes the config directory too, once it is empty:
        # on a box whose own nginx stays, nothing else would.
        self.files = [
            host_file(f"{name}-htpasswd", host, HTPASSWD, htpasswd, owner=HTPASSWD_OWNER, mode="0640",
                      remove_dirs=(STATUS_DIR, NGINX_CONF_DIR), opts=placed),
            host_file(f"{name}-topology", host, TOPOLOGY_SVG,
                      embed_source(draw_svg(topology_dot), topology_dot),
                      remove_dirs=(STATUS_DIR, NGINX_CONF_DIR), opts=placed),
        ]
        self.register_outputs({})
