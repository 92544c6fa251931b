#!/usr/bin/env python3
"""cert-status OUT: when the certificates an operator depends on expire, as
Prometheus metrics for node_exporter's textfile collector (written whole).

- The user's CA certificate (the one its parent issued) and each ROA's EE
  certificate, from Krill's API: Krill reports each object's validity, so
  nothing here parses ASN.1.
- The TLS certificates served to people: `TLS_ENDPOINTS` lists
  "<name>@<host>:<port>" (name sent as SNI), read with openssl s_client.

Environment: KRILL_URL, KRILL_CA, KRILL_TOKEN_FILE (the admin token, a file
only root reads: never an environment variable), TLS_ENDPOINTS.
A source that cannot be read is reported as personal_as_certificate_check_ok
0 for it, so a broken check is seen rather than silent."""

from __future__ import annotations

import datetime
import json
import os
import ssl
import subprocess
import sys
import urllib.request


def timestamp(iso: str) -> int:
    """Krill's RFC 3339 times, with or without fractional seconds."""
    return int(datetime.datetime.fromisoformat(iso[:19]).replace(tzinfo=datetime.timezone.utc).timestamp())


def ca_certificates(handle: str, ca: dict) -> list[tuple[str, int]]:
    """(subject, notAfter) of every certificate the CA holds from its parent:
    the active key's, and during a key roll the new key's too."""
    out = []
    for rc, cls in sorted(ca.get("resource_classes", {}).items()):
        for keys in cls.get("keys", {}).values():
            for role in ("active_key", "new_key"):
                cert = (keys.get(role) or {}).get("incoming_cert")
                if cert:
                    out.append((f"{handle} rc {rc} {role.split('_')[0]}",
                                timestamp(cert["validity"]["not_after"])))
    return out


def roa_certificates(routes: list[dict]) -> list[tuple[str, int]]:
    """(subject, notAfter) per ROA object; one object can carry several
    authorizations (Krill aggregates many ROAs per AS), so objects are
    counted once, named by what they authorize."""
    by_uri: dict[str, tuple[list[str], int]] = {}
    for r in routes:
        what = f"{r['prefix']}-{r.get('max_length') or r['prefix'].split('/')[1]} => AS{r['asn']}"
        for o in r.get("roa_objects", []):
            names, _ = by_uri.setdefault(o["uri"], ([], timestamp(o["validity"]["not_after"])))
            names.append(what)
    return sorted((", ".join(sorted(names)), t) for names, t in by_uri.values())


def tls_not_after(name: str, address: str) -> int:
    pem = subprocess.run(["openssl", "s_client", "-connect", address, "-servername", name],
                         input="", capture_output=True, text=True, timeout=15).stdout
    end = subprocess.run(["openssl", "x509", "-noout", "-enddate"], input=pem, capture_output=True, text=True,
                         check=True).stdout.strip()  # notAfter=Dec 15 05:00:00 2026 GMT
    when = datetime.datetime.strptime(end.split("=", 1)[1], "%b %d %H:%M:%S %Y %Z")
    return int(when.replace(tzinfo=datetime.timezone.utc).timestamp())


def krill_get(url: str, token: str, path: str):
    # Krill's own listener is on loopback with a self-signed certificate.
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    req = urllib.request.Request(url.rstrip("/") + path, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, context=ctx, timeout=15) as resp:
        return json.load(resp)


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def metrics(found: list[tuple[str, str, int]], checks: list[tuple[str, str, bool]]) -> str:
    lines = ["# HELP personal_as_certificate_expiry_timestamp_seconds When the certificate stops being valid.",
             "# TYPE personal_as_certificate_expiry_timestamp_seconds gauge"]
    lines += [f'personal_as_certificate_expiry_timestamp_seconds{{kind="{k}",subject="{_label(s)}"}} {t}'
              for k, s, t in found]
    lines += ["# HELP personal_as_certificate_check_ok 1 if the certificates of this source could be read.",
              "# TYPE personal_as_certificate_check_ok gauge"]
    lines += [f'personal_as_certificate_check_ok{{kind="{k}",source="{_label(s)}"}} {int(ok)}' for k, s, ok in checks]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    out = argv[1]
    found: list[tuple[str, str, int]] = []
    checks: list[tuple[str, str, bool]] = []
    url, ca = os.environ.get("KRILL_URL"), os.environ.get("KRILL_CA")
    if url and ca:
        try:
            with open(os.environ["KRILL_TOKEN_FILE"], encoding="utf-8") as f:
                token = f.read().strip()
            found += [("ca", s, t) for s, t in ca_certificates(ca, krill_get(url, token, f"/api/v1/cas/{ca}"))]
            found += [("roa", s, t) for s, t in roa_certificates(krill_get(url, token, f"/api/v1/cas/{ca}/routes"))]
            checks.append(("rpki", ca, True))
        except (OSError, ValueError, KeyError) as e:
            print(f"cert-status: Krill CA {ca}: {e}", file=sys.stderr)
            checks.append(("rpki", ca, False))
    for spec in os.environ.get("TLS_ENDPOINTS", "").split():
        name, address = spec.split("@", 1)
        try:
            found.append(("tls", name, tls_not_after(name, address)))
            checks.append(("tls", name, True))
        except (OSError, ValueError, IndexError, subprocess.SubprocessError) as e:
            print(f"cert-status: TLS {name} at {address}: {e}", file=sys.stderr)
            checks.append(("tls", name, False))
    tmp = f"{out}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(metrics(found, checks))
    os.chmod(tmp, 0o644)
    os.replace(tmp, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
