"""ACME: the client's config on the host that serves a name, and the lab's
pebble CA. Pure: paths and text only."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from ..config.acme import Acme
from .env import render, sh_word

ACME_ETC = "/etc/personal-as/acme"
ACME_CONF = f"{ACME_ETC}/acme.conf"
# The CA certificate for a private directory's HTTPS (the lab's pebble).
DIRECTORY_CA = f"{ACME_ETC}/directory-ca.crt"
# lego's --path: its accounts and certificates.
ACME_DATA = "/var/lib/personal-as/acme"
ACME_STATUS = f"{ACME_DATA}/status"
# HTTP-01 tokens, written by the client and served by nginx on port 80.
ACME_WEBROOT = "/var/www/acme"
# The client's requests and answers: its own directory (the host's acme
# user's), which nginx's container reads too.
ACME_RUN = "/run/personal-as-acme"
# The client asks nginx to reload by writing a new serial here.
ACME_NGINX_REQUEST = f"{ACME_RUN}/reload-nginx"
# The stack asks the client to try now, or to start again with a new config.
ACME_WAKE = f"{ACME_RUN}/wake"
ACME_RESTART = f"{ACME_RUN}/restart"
# The host's user lego runs as (the stack creates it on a real host).
ACME_USER = "acme"

PEBBLE_ETC = "/etc/pebble"
PEBBLE_CONF = f"{PEBBLE_ETC}/pebble.json"
PEBBLE_ACME_PORT = 14000
PEBBLE_MANAGEMENT = "127.0.0.1:15000"
# Certificates live 15 days and 40 seconds: over the 14 days an expiry
# alert looks ahead. lego renews once no more than renew_days whole days
# are left, so the lab stack's renew_days 14 renews each certificate 40 s
# after issuance (15 whole days left until then): renewal is watched
# happening, not assumed. 40 s is four of the lab client's 10 s checks:
# short enough that the suite watches two renewals in about 90 s, long
# enough that a renewal (HTTP-01 over the lab, nginx reload) never overlaps
# the next one.
PEBBLE_VALIDITY_SECONDS = 15 * 86400 + 40


def account_dir(directory: str) -> str:
    """lego's folder for a CA's accounts: the directory's host:port, ':' as '_'."""
    return urlsplit(directory).netloc.replace(":", "_")


def account_key_path(directory: str, email: str) -> str:
    """Where lego looks for the account key it registers with (the stack's)."""
    return f"{ACME_DATA}/accounts/{account_dir(directory)}/{email}/keys/{email}.key"


def account_json_path(directory: str, email: str) -> str:
    return f"{ACME_DATA}/accounts/{account_dir(directory)}/{email}/account.json"


def render_acme_client_conf(acme: Acme, domain: str, cert_file: str, key_file: str,
                            private_directory: bool) -> str:
    values = {
        "DIRECTORY": acme.directory, "EMAIL": acme.email, "DOMAIN": domain, "ACCOUNT_DIR": account_dir(acme.directory),
        "RENEW_DAYS": str(acme.renew_days), "CHECK_SECONDS": str(acme.check_interval),
        "CERT_FILE": cert_file, "KEY_FILE": key_file, "WEBROOT": ACME_WEBROOT, "RUN": ACME_RUN,
        "DIRECTORY_CA": DIRECTORY_CA if private_directory else "",
    }
    return render("acme-client.conf.j2", values={k: sh_word(v) for k, v in values.items()})


def render_pebble_config(cert_file: str, key_file: str) -> str:
    """pebble's config: ACME on every address, management on loopback only,
    HTTP-01 validated on port 80 as a public CA does."""
    return json.dumps({"pebble": {
        "listenAddress": f"[::]:{PEBBLE_ACME_PORT}",
        "managementListenAddress": PEBBLE_MANAGEMENT,
        "certificate": cert_file, "privateKey": key_file,
        "httpPort": 80, "tlsPort": 443,
        "ocspResponderURL": "", "externalAccountBindingRequired": False,
        "certificateValidityPeriod": PEBBLE_VALIDITY_SECONDS,
    }}, indent=2) + "\n"


def placeholder_script(cert_file: str, key_file: str, name: str) -> str:
    """A self-signed stand-in, made once on the host, so nginx can start (and
    serve the HTTP-01 challenge) before the CA has issued anything."""
    c, k = sh_word(cert_file), sh_word(key_file)
    return (
        "set -eu\n"
        f"mkdir -p {sh_word(cert_file.rsplit('/', 1)[0])}\n"
        f"if [ -s {c} ] && [ -s {k} ]; then echo present; exit 0; fi\n"
        "umask 077\n"
        f"openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 "
        f"-subj {sh_word('/CN=' + name + ' (waiting for ACME)')} -keyout {k}.new -out {c}.new 2>/dev/null\n"
        f"chmod 0644 {c}.new && mv {k}.new {k} && mv {c}.new {c}\n"
        "echo placeholder\n"
    )


# The client's loop looks for this file every 2 s while it waits: no
# signal across PID namespaces, and no root in the client.
WAKE_CLIENT = f"date +%s > {sh_word(ACME_WAKE)} 2>/dev/null || true"


# How long the CA's vantage point waits for a name to answer over the
# announced prefix once the ROAs are in Krill: publication, the validator's
# run (every 10 s in a lab world), its RTR cache and transit's refresh (10 s
# each) come first. A quiet lab takes 20-30 s; a world of one-vCPU TCG
# guests on a fresh, busy machine is given fourteen times that.
ROUTED_TIMEOUT_S = 420


def wait_routed_script(domain: str, seconds: int) -> str:
    """Poll `http://<domain>/healthz` until it answers, printing progress
    every 30 s; on timeout, say what is likely missing."""
    url = sh_word(f"http://{domain}/healthz")
    return (
        "set -u\n"
        f"start=$(date +%s); end=$(( start + {seconds} )); last=$start\n"
        "while [ \"$(date +%s)\" -lt \"$end\" ]; do\n"
        f"  if curl -fsS -m 5 -o /dev/null {url} 2>/dev/null; then\n"
        f"    echo {sh_word(domain)}\" answered after $(( $(date +%s) - start )) s\"; exit 0\n"
        "  fi\n"
        "  now=$(date +%s)\n"
        "  if [ $(( now - last )) -ge 30 ]; then\n"
        f"    echo \"still waiting for \"{sh_word(domain)}\" to be routed ($(( now - start )) s)\"; last=$now\n"
        "  fi\n"
        "  sleep 2\n"
        "done\n"
        f"echo {sh_word(domain)}\" did not answer from the ACME CA's host within {seconds} s: the route does not "
        "reach it (no ROA published yet, or the upstream drops the route as RPKI-invalid)\" >&2\n"
        "exit 1\n"
    )


def wait_issued_script(domain: str, cert_file: str, seconds: int) -> str:
    """Ask the client for a certificate from the CA as it is now, and wait
    until it is the one nginx serves; on timeout say what the client last
    reported. Run when the client is first made, and whenever the CA is a
    new one (the lab's pebble made anew: the old certificate's root is gone)."""
    issued = sh_word(f"{ACME_DATA}/certificates/{domain}")
    status = sh_word(ACME_STATUS)
    return (
        "set -u\n"
        # Forget lego's copy (nginx keeps serving the installed one meanwhile):
        # the client then obtains a fresh certificate instead of renewing.
        f"rm -f {issued}.crt {issued}.key {issued}.json {issued}.issuer.crt {status}\n"
        f"end=$(( $(date +%s) + {seconds} ))\n"
        "poke=0\n"
        "while [ \"$(date +%s)\" -lt \"$end\" ]; do\n"
        f"  if [ -s {issued}.crt ] && cmp -s {issued}.crt {sh_word(cert_file)} && grep -q '^ok ' {status} 2>/dev/null; then\n"
        f"    echo \"issued: $(cat {status})\"; exit 0\n"
        "  fi\n"
        # Wake the client now, and again each minute while nothing has come
        # (the wake file ends its nap; at most 5 tries in 5 minutes, within Let's
        # Encrypt's failed-validation limit).
        f"  if [ $(( $(date +%s) - poke )) -ge 60 ]; then {WAKE_CLIENT}; poke=$(date +%s); fi\n"
        "  sleep 1\n"
        "done\n"
        f"echo \"no certificate for \"{sh_word(domain)}\" from the ACME CA within {seconds} s; the client's last status: "
        f"$(cat {status} 2>/dev/null || echo none yet)\" >&2\n"
        "exit 1\n"
    )
