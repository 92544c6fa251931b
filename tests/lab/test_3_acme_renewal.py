"""ACME in the running lab: route0's certificate is renewed and picked up by
nginx with no `pulumi up`, and is no diff; a restarted CA (new root, no
accounts) is caught up with: the client registers again, and the stack
trusts the new root at the next `up`, with nothing else changing."""

from __future__ import annotations

import json
import subprocess
import time

import pytest

from components.render.acme import PEBBLE_VALIDITY_SECONDS
from tests.infra import route0
from tests.infra.bird import wait_until
from tests.infra.stack import STACK
from tests.lab.conftest import changed_resources, pulumi

# The lab's certificates are due 40 s after issuance (15 days + 40 s of life,
# renewed at 14 whole days left), and the client checks every 10 s.
DUE_S = PEBBLE_VALIDITY_SECONDS - 15 * 86400
RENEW_BOUND_S = DUE_S + 10 + 60


def updates() -> int:
    """How many updates (up, destroy, refresh) the stack's history holds."""
    return len(json.loads(pulumi("stack", "history", "--json").stdout))


def test_certificate_is_renewed_and_served_with_no_pulumi_up(lab_is_up, client, cfg):
    name = cfg.acme.route0_name
    serial = lambda: route0.served_certificate(client, name)["serial"]  # noqa: E731
    before, history = serial(), updates()
    assert wait_until(lambda: serial() != before, RENEW_BOUND_S), \
        f"nginx still serves serial {before} after {RENEW_BOUND_S} s"
    first, renewed = time.monotonic(), serial()
    # The next one comes when it is due, not at every check: the client
    # renews by the certificate's remaining life.
    assert wait_until(lambda: serial() != renewed, RENEW_BOUND_S)
    interval = time.monotonic() - first
    assert DUE_S - 5 <= interval <= DUE_S + 10 + 30, f"renewed {interval:.0f} s after the last one, due after {DUE_S} s"
    after = route0.served_certificate(client, name)
    assert after["verify"] == "0 (ok)" and after["issuer"].startswith("CN=Pebble Intermediate CA"), after
    assert route0.answers(client, cfg)
    assert updates() == history, "something ran a pulumi update"
    print(f"renewed every {interval:.0f} s (due after {DUE_S} s, checked every 10 s)")
    # The certificate is nowhere in the state: a renewal is no diff.
    assert changed_resources(pulumi("preview", "--json").stdout) == set()


@pytest.mark.destructive
def test_restarted_ca_is_caught_up_by_the_client_and_the_next_up(lab_is_up, client, cfg):
    name = cfg.acme.route0_name
    before = route0.served_certificate(client, name)
    subprocess.run(["docker", "restart", f"{STACK}-acme-pebble"], check=True, capture_output=True)
    # The client's next renewal meets a CA that forgot its account: it
    # registers the same key again and gets a certificate under the new root.
    assert wait_until(lambda: route0.served_certificate(client, name)["issuer"] != before["issuer"], RENEW_BOUND_S)
    # The client does not trust the new root yet...
    assert route0.served_certificate(client, name)["verify"] != "0 (ok)"
    # ...and preview says only that the clients' trust is out of date: no
    # root, no certificate, no other resource.
    assert changed_resources(pulumi("preview", "--json").stdout) == {"acme-ca-trusted-roots"}
    pulumi("up", "--yes")
    assert route0.served_certificate(client, name)["verify"] == "0 (ok)"
    assert route0.answers(client, cfg)
    assert changed_resources(pulumi("preview", "--json").stdout) == set()
