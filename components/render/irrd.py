"""IRRd's config for the lab's registry (host irr): one authoritative
source, whois on port 43, the HTTP API for submissions, PostgreSQL and
Redis on the host's loopback. Pure; checked in the unit tier by IRRd's own
config validation."""

from __future__ import annotations

from .env import render

IRRD_CONF = "/etc/irrd/irrd.yaml"
WHOIS_PORT = 43
# IRRd binds HTTP after dropping root, so not port 80 (its docs say so).
HTTP_PORT = 8080
DATABASE_URL = "postgresql://irrd@127.0.0.1:5432/irrd"
REDIS_URL = "redis://127.0.0.1:6379/0"
# Notification mail goes to a local sink: the lab sends no mail, and IRRd
# refuses to run without an SMTP server to name.
SMTP = "127.0.0.1:2525"


def render_irrd_conf(source: str, url: str, override_hash: str, piddir: str = "/run/irrd",
                     keyring: str = "/var/lib/irrd/gnupg") -> str:
    return render("irrd.yaml.j2", source=source, url=url, override_hash=override_hash, piddir=piddir,
                  keyring=keyring, whois_port=WHOIS_PORT, http_port=HTTP_PORT, database_url=DATABASE_URL,
                  redis_url=REDIS_URL, smtp=SMTP)
