"""The lab ACME CA's root, trusted by the lab's clients.

pebble makes a new root each time it starts (and forgets its accounts), so
the root cannot be an input: it would be a diff after every restart. Each
preview fetches the CA's current root over SSH from its management API (on
the CA host's loopback) and asks each client host whether it trusts it; only
a client that does not is a change, and `up` installs the root there.

Clients keep the last few roots, not only the newest: a certificate issued
before a CA restart still verifies until its client renews it. The roots
installed are remembered as outputs (public certificates, never compared),
so a client host made anew gets them all back.
"""

from __future__ import annotations

import uuid

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, Resource, ResourceProvider, UpdateResult

from .ssh import HostKeyMismatch, RemoteCommandError, run, run_unless_gone

ANCHORS = "/usr/local/share/ca-certificates"
PREFIX = "personal-as-acme-"
KEEP = 4

# The root arrives on stdin; its file is named by its fingerprint.
_FINGERPRINT = (
    "set -eu\n"
    "pem=$(cat)\n"
    "fp=$(printf '%s\\n' \"$pem\" | openssl x509 -noout -fingerprint -sha256 | cut -d= -f2 | tr -d : | cut -c1-16)\n"
    f"file={ANCHORS}/{PREFIX}$fp.crt\n"
)
CHECK = _FINGERPRINT + 'if [ -s "$file" ]; then exit 0; fi\necho "does not trust the CA\'s current root ($fp)"; exit 1\n'
INSTALL = _FINGERPRINT + (
    f"mkdir -p {ANCHORS}\n"
    'if [ -s "$file" ]; then echo "trusted already: $fp"; exit 0; fi\n'
    "printf '%s\\n' \"$pem\" > \"$file.new\" && mv \"$file.new\" \"$file\"\n"
    f"ls -t {ANCHORS}/{PREFIX}*.crt | tail -n +{KEEP + 1} | xargs -r rm -f\n"
    "update-ca-certificates --fresh >/dev/null 2>&1\n"
    'echo "trusts $fp"\n'
)
REMOVE = f"rm -f {ANCHORS}/{PREFIX}*.crt\nupdate-ca-certificates --fresh >/dev/null 2>&1\n"


def _fetch(props) -> str:
    pem, _ = run(props["source"], props["fetch"], None, 60)
    if "BEGIN CERTIFICATE" not in pem:
        raise RuntimeError(f"the ACME CA's management API gave no certificate: {pem[:200]!r}")
    return pem


class _TrustedRootsProvider(ResourceProvider):
    def _install(self, props, seen: list[str]) -> dict:
        """Install the CA's current root, and the last roots seen before it:
        a host made anew (an empty trust store) still verifies certificates
        issued under a root the CA has since replaced, until they renew."""
        pem = _fetch(props)
        roots = [r for r in seen if r != pem][-(KEEP - 1):] + [pem]
        for conn in props["targets"]:
            for root in roots:
                run(conn, INSTALL, root, 60)
        # Outputs only: the roots are never compared as inputs, so a new one
        # is not a diff by itself (the trust check in diff decides).
        return {**props, "roots": roots}

    def create(self, props):
        return CreateResult(id_=uuid.uuid4().hex, outs=self._install(props, []))

    def update(self, _id, olds, news):
        return UpdateResult(outs=self._install(news, list(olds.get("roots") or [])))

    def diff(self, _id, olds, news):
        changed = [k for k in ("source", "targets", "fetch") if olds.get(k) != news.get(k)]
        # A host being (re)created is not known yet: its trust is set up anew.
        targets = news.get("targets")
        known = (isinstance(news.get("source"), dict) and isinstance(targets, list)
                 and all(isinstance(t, dict) for t in targets))
        if not changed and known:
            try:
                pem = _fetch(news)
                for conn in news["targets"]:
                    run(conn, CHECK, pem, 60)
            except HostKeyMismatch:
                raise
            except (RemoteCommandError, RuntimeError):
                changed.append("trust")
        return DiffResult(changes=bool(changed) or not known, replaces=[])

    def delete(self, _id, props):
        for conn in props["targets"]:
            run_unless_gone(conn, REMOVE, None, 60)


class TrustedRoots(Resource, module="acme", name="TrustedRoots"):
    """Clients (`targets`) trust the root that `fetch` prints on `source`."""

    def __init__(self, name: str, source: pulumi.Input[dict], fetch: str, targets: list[pulumi.Input[dict]],
                 opts: pulumi.ResourceOptions | None = None):
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=["source", "targets"]))
        super().__init__(_TrustedRootsProvider(), name, {"source": source, "fetch": fetch, "targets": targets}, opts)
