"""nginx configs: the route0 web server and the TLS proxy in front of Krill."""

from __future__ import annotations

from dataclasses import dataclass

from ..config import StackConfig
from .acme import ACME_WEBROOT
from .env import render

NGINX_RUN = "/run/nginx"
PID_FILE = f"{NGINX_RUN}/nginx.pid"
# The stack's own reload request (images/nginx/nginx-run.sh acts on it).
RELOAD_REQUEST = f"{NGINX_RUN}/reload-request"
# How long nginx's loop may take to answer: it looks every 2 s, and a
# reload tests the config first (a second or two on an emulated machine).
RELOAD_WAIT_S = 30
ROUTE0_ROOT = "/srv/route0"
KRILL_PORT = 3000
# Certificates nginx serves, beside their keys.
TLS_DIR = "/etc/nginx/tls"


def reload_script() -> str:
    """The stack's reload of a running nginx, after a new config is in place:
    a request nginx's own loop acts on (no signal across PID namespaces), and
    its answer waited for. An nginx that is not running (its loop has not
    touched `alive` for 10 s) reads the config when it starts."""
    run = NGINX_RUN
    return (
        "(\n"
        "set -u\n"
        f"if [ -z \"$(find {run}/alive -newermt '10 seconds ago' 2>/dev/null)\" ]; then\n"
        "  echo 'nginx is not running: it reads the new config when it starts'; exit 0\n"
        "fi\n"
        "serial=\"$(date +%s%N)-$$\"\n"
        # By rename: nginx's loop never reads a half-written request.
        f"echo \"$serial\" > {RELOAD_REQUEST}.new && mv {RELOAD_REQUEST}.new {RELOAD_REQUEST}\n"
        "i=0\n"
        f"while [ $i -lt {RELOAD_WAIT_S * 2} ]; do\n"
        "  got='' result=''\n"
        f"  [ -r {run}/reloaded ] && read -r got result < {run}/reloaded\n"
        "  if [ \"$got\" = \"$serial\" ]; then\n"
        "    [ \"$result\" = ok ] && { echo 'nginx reloaded'; exit 0; }\n"
        # `nginx -t` on the host passed already: a refusal here is the running
        # container's view (one this `up` replaces with new mounts reads the
        # config when it starts), said, not fatal, as a signal's was.
        "    echo 'nginx in its running container refused the new config (its log says why): it serves the old one until it starts again' >&2; exit 0\n"
        "  fi\n"
        "  sleep 0.5; i=$((i + 1))\n"
        "done\n"
        f"echo 'nginx did not answer the reload request within {RELOAD_WAIT_S} s' >&2; exit 1\n"
        ")"
    )


@dataclass(frozen=True)
class StatusSite:
    """The status page as the Krill proxy serves it at /status/: the
    basic-auth hash file, the topology picture, where Prometheus answers."""

    htpasswd: str
    topology_svg: str
    prometheus_port: int
    realm: str = "personal-as status"


@dataclass(frozen=True)
class Route0Tls:
    name: str
    cert_file: str
    key_file: str
    webroot: str = ACME_WEBROOT


def route0_tls(cfg: StackConfig, tls_dir: str = TLS_DIR) -> Route0Tls | None:
    """route0's HTTPS, when ACME certifies its name (`acme`)."""
    if not cfg.acme:
        return None
    return Route0Tls(cfg.acme.route0_name, f"{tls_dir}/route0.crt", f"{tls_dir}/route0.key")


def render_route0_conf(cfg: StackConfig, tls_dir: str = TLS_DIR) -> str:
    return render("nginx-route0.conf.j2", pid_file=PID_FILE, address=cfg.route0_address, web_root=ROUTE0_ROOT,
                  tls=route0_tls(cfg, tls_dir))


def route0_url(cfg: StackConfig) -> str:
    """Where route0 is fetched: by name over HTTPS once ACME certifies it."""
    return f"https://{cfg.acme.route0_name}/" if cfg.acme else f"http://[{cfg.route0_address}]/"


def render_route0_page(cfg: StackConfig) -> str:
    return (
        "<!doctype html>\n<title>route0</title>\n"
        f"<h1>route0 of AS{cfg.asn}</h1>\n"
        f"<p>Served from {cfg.route0_address}, inside {', '.join(cfg.prefixes)}.</p>\n"
    )


def url_host(address: str) -> str:
    """An address as a URL or listen directive names it (IPv6 in brackets)."""
    return f"[{address}]" if ":" in address else address


def _listen(address: str, port: int) -> str:
    return f"{url_host(address)}:{port}"


def render_krill_proxy_conf(server_name: str, cert_file: str, key_file: str, listen: list[str] | None = None,
                            https_port: int = 443, http_port: int | None = 80, acme: bool = False,
                            status: StatusSite | None = None, krill_port: int = KRILL_PORT) -> str:
    """The TLS proxy in front of Krill, on `listen` only (the home LAN side);
    with http_port None there is no plain-HTTP redirect listener at all.
    With `acme`, port 80 also answers the ACME CA's HTTP-01 challenge; with
    `status`, /status/ is the status page."""
    addresses = listen or ["127.0.0.1", "::1"]
    return render(
        "nginx-krill-proxy.conf.j2", pid_file=PID_FILE, server_name=server_name,
        cert_file=cert_file, key_file=key_file, krill_port=krill_port,
        https_listen=[_listen(a, https_port) for a in addresses],
        http_listen=[_listen(a, http_port) for a in addresses] if http_port else [],
        https_port=https_port, acme_webroot=ACME_WEBROOT if acme else None, status=status,
    )


def proxy_health_url(address: str, https_port: int) -> str:
    return f"https://{url_host(address)}:{https_port}/health"
