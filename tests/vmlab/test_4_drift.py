"""Changes made by hand on the real machines show up as a diff at
`pulumi preview` (each provider's diff probes its host), and `pulumi up`
puts every one of them back.

Its first preview runs right after test_host_key (same process): showing
the hand changes and nothing else, it also proves that with vps's host key
back the stack has nothing to do."""

from __future__ import annotations

import json
import time

import pytest

from components.providers.remote_command import drift_journal
from tests.infra.bird import wait_until
from tests.lab.conftest import changed_resources, pulumi
from tests.vmlab.conftest import guest_shell, homes_own_services_answer

pytestmark = pytest.mark.destructive

NGINX_CONF = "/etc/nginx/personal-as/nginx.conf"
KRILL_KEY = "/etc/nginx/tls/krill.key"
SYSCTL = "net.ipv6.conf.all.forwarding"
HOME_LAB_IF = "eth-rir"
DRIFTED = {"vps-network-provision", "route0-config", "home-krill-tls-key", "home-network-provision"}


def home_lab_address(plan) -> str:
    """Home's address (with its length) on its link to rir, from the lab's plan."""
    return next(a for i, a in plan.addresses_of("home") if i == HOME_LAB_IF)


def on(guest: str, command: str) -> str:
    return guest_shell(guest, command).stdout.strip()


@pytest.fixture
def drifted(lab_is_up, cfg, plan):
    """A prefix address gone, a firewall rule added, a sysctl turned off, a
    config file edited (vps); a private key made world-readable and the
    address of home's link to rir taken off (home: NetworkManager's
    connection still says it, the kernel no longer has it)."""
    route0 = cfg.route0_address
    on("vps", f"ip addr del {route0}/128 dev dummy0")
    on("vps", "nft add rule inet personal_as input tcp dport 8080 accept")
    on("vps", f"sysctl -qw {SYSCTL}=0")
    on("vps", f"echo '# edited by hand' >> {NGINX_CONF}")
    on("home", f"chmod 0644 {KRILL_KEY}")
    on("home", f"ip addr del {home_lab_address(plan)} dev {HOME_LAB_IF}")
    return route0


def diff_reasons(preview_json: str) -> dict[str, list[str]]:
    """Each changed resource's changed keys, as the engine gives them
    ("drift" is a probe's verdict; an input's name is the program's)."""
    steps = json.loads(preview_json).get("steps", [])
    return {s["urn"].split("::")[-1]: s.get("diffReasons") or [] for s in steps if s.get("op") not in ("same", "read")}


def what_vps_bird_runs() -> str:
    """What vps-router-config's drift check compares, read right after a
    preview that listed it (seen twice, cause not found): BIRD's status, the
    time the stack recorded, and bird.conf's owner, mode and mtime."""
    return guest_shell("vps", "birdc -s /run/bird/bird.ctl show status; echo '-- recorded:'; "
                       "cat /run/bird/confirmed; echo '-- bird.conf:'; ls -l --time-style=full-iso /etc/bird/bird.conf",
                       check=False).stdout


def journal_tail() -> str:
    """What the drift probes printed when they said drift (the provider's journal)."""
    path = drift_journal()
    return "\n".join(path.read_text().splitlines()[-12:]) if path.exists() else "(no journal)"


def test_preview_shows_each_hand_change_and_up_puts_it_back(drifted, cfg, client, plan):
    start = time.monotonic()
    preview = pulumi("preview", "--json").stdout
    changed = changed_resources(preview)
    print(f"preview with drift took {time.monotonic() - start:.1f}s: {sorted(changed)}")
    assert DRIFTED <= changed
    # Nothing else: drift on one file is not a reason to touch the rest.
    assert changed <= DRIFTED, \
        f"{changed}\nwhy: {diff_reasons(preview)}\nthe probes said:\n{journal_tail()}\n{what_vps_bird_runs()}"

    pulumi("up", "--yes", "--skip-preview")
    assert f" {drifted}/128 " in on("vps", "ip -o addr show dev dummy0")
    assert "8080" not in on("vps", "nft list table inet personal_as")
    assert on("vps", f"sysctl -n {SYSCTL}") == "1"
    assert "edited by hand" not in on("vps", f"cat {NGINX_CONF}")
    assert on("home", f"stat -c %a {KRILL_KEY}") == "600"
    assert f" {home_lab_address(plan)} " in on("home", f"ip -o addr show dev {HOME_LAB_IF}")
    # route0 answers on the address that was taken away.
    assert wait_until(lambda: client.run(f"curl -fsS -m 3 'http://[{drifted}]/'").rc == 0, 60)
    assert homes_own_services_answer(client, plan) == []
    # That `up` left nothing to do: test_5_reboot, next in this process,
    # ends on `preview --expect-no-changes` after the power cut and reboot.
