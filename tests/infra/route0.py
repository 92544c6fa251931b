"""route0 as a client sees it: fetched at the stack's route0_url (by name
over HTTPS, verified against the trust store, once ACME certifies it)."""

from __future__ import annotations

import shlex

from components.render.nginx import route0_url


def fetch(client, cfg, timeout: int = 3):
    return client.run(f"curl -fsS -m {timeout} {shlex.quote(route0_url(cfg))}")


def answers(client, cfg) -> bool:
    return fetch(client, cfg).rc == 0


def served_certificate(client, name: str, connect: str | None = None) -> dict[str, str]:
    """The certificate served for `name` (at `connect`, default name:443),
    and whether the client's trust store verifies it for that name."""
    # A file of its own: checks run side by side (pytest-xdist) on one host.
    out = client.check_output(
        f"out=$(mktemp); echo | timeout 10 openssl s_client -connect {connect or name + ':443'} -servername {name} "
        f"-verify_hostname {name} 2>&1 "
        f"| tee $out | openssl x509 -noout -serial -issuer -enddate -nameopt RFC2253; "
        f"grep -o 'Verify return code: .*' $out || true; rm -f $out")
    fields = {}
    for line in out.splitlines():
        key, _, value = line.partition("=")
        if key in ("serial", "issuer", "notAfter"):
            fields[key] = value
        elif line.startswith("Verify return code:"):
            fields["verify"] = line.split(":", 1)[1].strip()
    return fields
