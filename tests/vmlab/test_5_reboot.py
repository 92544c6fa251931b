"""A power cut on vps and a reboot of home, with no `pulumi up` after either:
the user's AS comes back by itself, by the distribution's own means (units,
sysctl.d, the network stack's files, tmpfiles, restart policies).

Each test measures the time from the reset to the service being back, and
the guest's own time from the reset to sshd answering, and writes both to
the vmlab timings file beside the log."""

from __future__ import annotations

import json
import subprocess
import time

import pytest
import testinfra

from components.cache_dir import cache_dir
from tests.infra import route0, stack
from tests.infra.bird import has_route, session_is_established, wait_until
from tests.infra.krill import HEALTH as KRILL_HEALTH
from tests.infra.monitoring import all_scraped, notifications, query, receiver_now, targets
from tests.lab.conftest import pulumi
from tests.lab.test_6_restarts import ca_state, is_valid
from tests.vmlab.conftest import guest_shell

pytestmark = pytest.mark.destructive

TIMINGS = cache_dir() / "vmlab/reboot-timings.json"


def fresh_host(name: str, ssh_config: str):
    """A testinfra host with no SSH master connection: one kept from before
    the reset would point at a machine that no longer exists."""
    login = stack.outputs()["hosts"][name]["ssh"].split("@")[0]
    return testinfra.get_host(f"ssh://{name}", ssh_config=ssh_config, sudo=login != "root", controlpersist=0,
                              ssh_extra_args="-o ControlPath=none")


def boot_id(guest: str) -> str | None:
    """The guest's boot id, or None while it does not answer (down, booting,
    or an SSH connection that hangs half-way through its boot)."""
    try:
        res = guest_shell(guest, "cat /proc/sys/kernel/random/boot_id", check=False, timeout=30, kept=False)
    except subprocess.TimeoutExpired:
        return None
    return res.stdout.strip() if res.returncode == 0 else None


def reset(guest: str, how: str) -> tuple[str, float]:
    """Resets `guest` a second from now, from a detached shell (the SSH
    session dies with the machine); returns its boot id and the reset time."""
    before = boot_id(guest)
    assert before, f"{guest} does not answer before the test"
    guest_shell(guest, f"nohup sh -c 'sleep 1; {how}' >/dev/null 2>&1 &", kept=False)
    return before, time.monotonic() + 1


# A hang guard: a TCG boot takes 1.5-2.5 min on a 2-core machine, and
# twice that on a slower one (scripts/guests/vmlab.sh's BOOT_TIMEOUT).
def wait_for_new_boot(guest: str, before: str, timeout: float = 600) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = boot_id(guest)
        if now and now != before:
            return time.monotonic()
        time.sleep(1)
    raise AssertionError(f"{guest} did not come back with a new boot within {timeout}s")


def route0_answers(client, cfg) -> bool:
    return route0.answers(client, cfg)


def answered(check) -> bool:
    """`check()` on a machine just out of its boot: testinfra's SSH exiting
    255 (the connection failed, nothing ran) is "not yet", not a failure.
    Under TCG a guest seconds past sshd's start dropped one such connection
    with nothing on stderr (2026-12-07), and the wait around it had time left."""
    try:
        return bool(check())
    except RuntimeError as err:
        if "exit_status=255" in str(err):
            return False
        raise


def session_established(vps, cfg) -> bool:
    try:
        return answered(lambda: all(session_is_established(vps, u.name) for u in cfg.upstreams))
    except AssertionError:  # BIRD's socket is not there yet
        return False


def record(name: str, figures: dict) -> None:
    TIMINGS.parent.mkdir(parents=True, exist_ok=True)
    data = json.loads(TIMINGS.read_text()) if TIMINGS.exists() else {}
    data[name] = figures
    TIMINGS.write_text(json.dumps(data, indent=2) + "\n")
    print(f"{name}: {json.dumps(figures)}")


def test_vps_comes_back_by_itself_after_a_power_cut(lab_is_up, ssh_config, client, transit, cfg):
    prefix = str(cfg.networks[0])
    assert route0_answers(client, cfg) and has_route(transit, prefix)
    monitored = cfg.monitoring is not None
    if monitored:
        home = fresh_host("home", ssh_config)
        assert wait_until(lambda: all_scraped(home), 120), targets(home)
        since = receiver_now(client)
    before, cut = reset("vps", "echo b > /proc/sysrq-trigger")  # no sync, no clean shutdown
    # The route goes: transit's session to vps dies with the machine.
    assert wait_until(lambda: not route0_answers(client, cfg), 60), "route0 still answered after the power cut"
    sshd = wait_for_new_boot("vps", before)
    assert wait_until(lambda: route0_answers(client, cfg), 300), "route0 never came back"
    back = time.monotonic()
    vps = fresh_host("vps", ssh_config)
    # Transit may still route to vps on the stale route graceful restart
    # kept; the session itself must come back too.
    assert wait_until(lambda: session_established(vps, cfg), 180), "the BGP session never came back"
    established = time.monotonic()
    assert wait_until(lambda: has_route(transit, prefix) and is_valid(transit, cfg), 120)
    figures = {
        "reset_to_sshd_s": round(sshd - cut, 1), "reset_to_route0_s": round(back - cut, 1),
        "reset_to_established_s": round(established - cut, 1),
        "route0_after_sshd_s": round(back - sshd, 1), "ratio_route0_to_sshd": round((back - cut) / (sshd - cut), 2),
    }
    if monitored:
        # The operator was told, and told again when it was over: the
        # tunnel to the dead machine broke, BIRD could not be scraped, and
        # after the reboot the tunnel found vps again by itself.
        up = cfg.upstreams[0].name
        assert notifications(client, "BGPSessionDown", "firing", since, upstream=up), \
            "the power cut was not delivered as BGPSessionDown"
        assert wait_until(lambda: all_scraped(home), 180), targets(home)
        figures["reset_to_scraped_s"] = round(time.monotonic() - cut, 1)
        assert wait_until(lambda: notifications(client, "BGPSessionDown", "resolved", since, upstream=up), 180), \
            "no resolution delivered after vps came back"
        fired = notifications(client, "BGPSessionDown", "firing", since, upstream=up)[0]["received_at"]
        resolved = notifications(client, "BGPSessionDown", "resolved", since, upstream=up)[0]["received_at"]
        figures["cut_to_alert_delivered_s"] = round(fired - since, 1)
        figures["alert_to_resolution_s"] = round(resolved - fired, 1)
    record("vps power cut", figures)


def test_home_comes_back_by_itself_after_a_reboot(lab_is_up, ssh_config, client, transit, cfg):
    handle = cfg.krill.handle
    home = fresh_host("home", ssh_config)
    ca_before = ca_state(home, handle)
    assert ca_before["routes"], "no ROAs to compare"
    monitored = cfg.monitoring is not None
    if monitored:
        assert wait_until(lambda: all_scraped(home), 120), targets(home)
        seen_before = time.time()
    before, cut = reset("home", "systemctl reboot")
    sshd = wait_for_new_boot("home", before)
    home = fresh_host("home", ssh_config)
    assert wait_until(lambda: answered(lambda: home.run(KRILL_HEALTH).rc == 0), 300), \
        "Krill on home never became healthy"
    back = time.monotonic()
    # The CA, its parent, its repository and its ROAs are all still there.
    assert ca_state(home, handle) == ca_before
    assert "home's own page" in home.check_output("curl -fsS -m 5 http://127.0.0.1/")
    assert route0_answers(client, cfg)
    assert has_route(transit, str(cfg.networks[0])) and is_valid(transit, cfg)
    figures = {
        "reset_to_sshd_s": round(sshd - cut, 1), "reset_to_krill_healthy_s": round(back - cut, 1),
        "krill_after_sshd_s": round(back - sshd, 1), "ratio_krill_to_sshd": round((back - cut) / (sshd - cut), 2),
    }
    if monitored:
        # Prometheus is back on its own disk, with what it had seen before
        # the reboot, and scrapes both hosts again (home's tunnel to vps too).
        assert wait_until(lambda: answered(lambda: all_scraped(home)), 240), targets(home)
        figures["reset_to_scraped_s"] = round(time.monotonic() - cut, 1)
        kept = query(home, 'up{job="krill"}', at=seen_before)
        assert [r["value"][1] for r in kept] == ["1"], f"Prometheus lost what it saw before the reboot: {kept}"
    record("home reboot", figures)


def test_after_both_preview_expects_no_changes(lab_is_up):
    pulumi("preview", "--expect-no-changes")
