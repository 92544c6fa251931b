"""The Krill CA's backups, in the running lab: taken, found on vps and
unreadable there, never deletable from home, taken again after a ROA
change, consistent while Krill is busy, restored from an older snapshot,
and alerting when they stop."""

from __future__ import annotations

import json
import shlex
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from components.ca_backup import BACKUP_DIR
from tests.infra.bird import has_route, wait_until
from tests.infra.krill import HEALTH as KRILL_HEALTH, PORT, TOKEN, krill_api
from tests.infra.monitoring import notifications, receiver_now
from tests.infra.stack import STACK
from tests.lab.conftest import STACK_FILE, pulumi
from tests.lab.test_6_restarts import is_valid

pytestmark = [pytest.mark.destructive, pytest.mark.usefixtures("lab_is_up")]

PREFIX = "2001:db8:100::/48"
REPO = BACKUP_DIR  # on vps: the repository itself


def password() -> str:
    return pulumi("config", "get", "--path", "backup.password").stdout.strip()


def on_vps_restic(vps, args: str) -> str:
    """restic on vps's own copy of the repository (read-only: no lock), with
    the password the test knows: what a thief of vps's disk would need."""
    return vps.check_output(f"printf %s {shlex.quote(password())} | restic --no-lock --password-file /dev/stdin "
                            f"--cache-dir /tmp/restic-test-cache -r {REPO} {args}")


def snapshots(vps) -> list[dict]:
    return json.loads(on_vps_restic(vps, "snapshots --json --tag krill"))


def ca_routes(home, handle: str) -> list[tuple]:
    return sorted((r["asn"], r["prefix"], r.get("max_length")) for r in krill_api(home, f"cas/{handle}/routes"))


def newest_after(vps, count: int, timeout: float = 90) -> dict:
    assert wait_until(lambda: len(snapshots(vps)) > count, timeout), f"no new snapshot within {timeout}s"
    return snapshots(vps)[-1]


def test_a_backup_is_taken_and_found_on_vps_holding_the_ca(vps, home, cfg):
    # The first `up` asked for one after the ROAs were signed.
    assert wait_until(lambda: len(snapshots(vps)) >= 1, 120), "no snapshot on vps"
    newest = snapshots(vps)[-1]
    assert newest["hostname"] == "home" and "krill" in newest["tags"]
    files = on_vps_restic(vps, f"ls --json {newest['id']}")
    assert f"{BACKUP_DIR}/krill/" in files, files[:500]
    metrics = home.check_output("cat /var/lib/personal-as/backup-metrics/backup.prom")
    assert "personal_as_backup_last_run_ok 1" in metrics, metrics


def test_vps_holds_nothing_readable_of_the_ca(vps, home, cfg):
    # Text that is in the CA's own files on home is in no file on vps.
    handle = cfg.krill.handle
    assert home.run(f"grep -rqF {shlex.quote(handle)} /var/lib/krill").rc == 0
    assert vps.run(f"grep -rqF {shlex.quote(handle)} {REPO}").rc == 1
    assert vps.run(f"grep -rqa 'BEGIN' {REPO}").rc == 1


def test_home_can_add_snapshots_but_never_delete_one(vps, home):
    # Two snapshots at least, so that keeping one must delete another
    # (counted before asking: the client may be done before the count).
    count = len(snapshots(vps))
    home.check_output(f"touch {BACKUP_DIR}/request")
    newest_after(vps, count)
    before = len(snapshots(vps))
    # With home's own password and its tunnel: the rest-server refuses.
    res = subprocess.run(["docker", "exec", f"{STACK}-home-backup", "sh", "-c",
                          "RESTIC_PASSWORD_FILE=/dev/shm/restic-password RESTIC_CACHE_DIR=/tmp/c "
                          "setpriv --reuid=$(stat -c %u /var/lib/krill) --regid=$(stat -c %g /var/lib/krill) "
                          "--clear-groups restic forget --keep-last 1 --prune"], capture_output=True, text=True)
    assert res.returncode != 0 and "403" in res.stdout + res.stderr, res.stdout + res.stderr
    assert len(snapshots(vps)) == before


def history(home, handle: str) -> list[dict]:
    """Krill's own log of the commands that made the CA what it is."""
    return krill_api(home, f"cas/{handle}/history/commands")["commands"]


def test_a_roa_change_is_backed_up_at_once_and_an_older_snapshot_restores_the_ca_as_it_was(vps, home, transit, cfg):
    handle = cfg.krill.handle
    committed = STACK_FILE.read_bytes()
    before_change = snapshots(vps)[-1]
    try:
        # The ROA change: a wider max_length.
        pulumi("config", "set", "--path", "roas[0].max_length", "56")
        count = len(snapshots(vps))
        pulumi("up", "--yes", "--skip-preview")
        changed = newest_after(vps, count)
        assert "change" in changed["tags"], changed
        routes_changed, changed_log = ca_routes(home, handle), history(home, handle)
        assert changed_log[-1]["summary"]["label"] == "cmd-ca-roas-updated"
        # Back to the snapshot from before it. Krill restarts on it; the ROA
        # step runs after Krill (it depends on it), asks Krill what it now
        # holds, finds the change missing, and makes it again: the same `up`.
        pulumi("config", "set", "--path", "krill.restore_snapshot", before_change["short_id"])
        start = time.time()
        pulumi("up", "--yes", "--skip-preview")
        assert wait_until(lambda: home.run(KRILL_HEALTH).rc == 0, 180), "Krill did not come back from the restore"
        print(f"named restore: Krill healthy {time.time() - start:.1f}s after `up` began")
        restored_log = history(home, handle)
        # The CA's history is the snapshot's, then the change made again:
        # the same commands up to it, and the last one new, after the restore.
        assert len(restored_log) == len(changed_log)
        assert [c["summary"] for c in restored_log] == [c["summary"] for c in changed_log]
        assert restored_log[:-1] == changed_log[:-1]
        assert restored_log[-1]["timestamp"] / 1000 > start > changed_log[-1]["timestamp"] / 1000
        assert ca_routes(home, handle) == routes_changed
        assert wait_until(lambda: has_route(transit, PREFIX) and is_valid(transit, cfg), 60)
        pulumi("preview", "--expect-no-changes")
    finally:
        # The committed config again, converged, for the tests after this one.
        STACK_FILE.write_bytes(committed)
        pulumi("up", "--yes", "--skip-preview")
    pulumi("preview", "--expect-no-changes")


def krill_post(home, handle: str, delta: dict) -> None:
    home.check_output(
        f"printf 'Authorization: Bearer %s\\n' \"$({TOKEN})\" | curl -fsSk -m 10 -H @- "
        f"-H 'Content-Type: application/json' -d {shlex.quote(json.dumps(delta))} "
        f"\"https://127.0.0.1:$({PORT})/api/v1/cas/{handle}/routes\"")


def test_a_backup_taken_during_a_burst_of_roa_changes_restores_a_krill_that_starts_and_signs(vps, home, cfg):
    handle = cfg.krill.handle
    extra = [{"asn": cfg.asn, "prefix": f"2001:db8:100:{i:x}::/64", "max_length": 64} for i in range(1, 9)]
    count = len(snapshots(vps))
    # Krill writes while the client copies: each add and remove is a new
    # version of the CA, and a backup is asked for in the middle of them.
    for i, roa in enumerate(extra):
        krill_post(home, handle, {"added": [roa], "removed": []})
        if i == 2:
            home.check_output(f"touch {BACKUP_DIR}/request")
        krill_post(home, handle, {"added": [], "removed": [roa]})
    taken = newest_after(vps, count)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "krill"
        vps.check_output("rm -rf /tmp/restored && mkdir /tmp/restored")
        on_vps_restic(vps, f"restore {taken['id']}:{BACKUP_DIR}/krill --target /tmp/restored")
        subprocess.run(["docker", "cp", f"{STACK}-vps:/tmp/restored", str(data)], check=True)
        vps.check_output("rm -rf /tmp/restored")
        conf = home.check_output("cat /etc/krill/krill.conf")
        (Path(tmp) / "krill.conf").write_text(conf)
        name = f"{STACK}-restore-check-krill"
        image = subprocess.run(["docker", "inspect", "-f", "{{.Config.Image}}", f"{STACK}-home-krill"],
                               capture_output=True, text=True, check=True).stdout.strip()
        subprocess.run(["docker", "rm", "-f", name], capture_output=True)
        subprocess.run(["chown", "-R", "181:181", str(data)], check=True)
        subprocess.run(["docker", "run", "-d", "--name", name, "--network", "none",
                        "-v", f"{data}:/var/lib/krill", "-v", f"{tmp}/krill.conf:/etc/krill/krill.conf:ro",
                        image], check=True, capture_output=True)
        try:
            health = ["docker", "exec", name, "sh", "-c", KRILL_HEALTH]
            assert wait_until(lambda: subprocess.run(health, capture_output=True).returncode == 0, 90), \
                subprocess.run(["docker", "logs", name], capture_output=True, text=True).stderr[-2000:]
            # It knows the CA, and signs with the CA's key: a new ROA is accepted.
            api = (f"printf 'Authorization: Bearer %s\\n' \"$({TOKEN})\" | curl -fsSk -m 10 -H @- "
                   f"\"https://127.0.0.1:$({PORT})/api/v1/cas/{handle}/routes\"")
            routes = json.loads(subprocess.run(["docker", "exec", name, "sh", "-c", api], capture_output=True,
                                               text=True, check=True).stdout)
            assert {r["prefix"] for r in routes} >= {PREFIX}
            roa = {"asn": cfg.asn, "prefix": "2001:db8:100:ff::/64", "max_length": 64}
            add = api.replace("curl -fsSk", "curl -fsSk -H 'Content-Type: application/json' -d "
                              + shlex.quote(json.dumps({"added": [roa], "removed": []})))
            subprocess.run(["docker", "exec", name, "sh", "-c", add], capture_output=True, text=True, check=True)
            routes = json.loads(subprocess.run(["docker", "exec", name, "sh", "-c", api], capture_output=True,
                                               text=True, check=True).stdout)
            assert roa["prefix"] in {r["prefix"] for r in routes}
        finally:
            subprocess.run(["docker", "rm", "-f", name], capture_output=True)


def test_the_backup_alert_fires_when_backups_stop_and_clears_when_they_resume(home, client):
    since = receiver_now(client)
    server = f"{STACK}-vps-backup-server"
    subprocess.run(["docker", "stop", server], check=True, capture_output=True)
    try:
        home.check_output(f"touch {BACKUP_DIR}/request")
        assert wait_until(lambda: notifications(client, "BackupFailed", "firing", since), 240, 5), \
            "BackupFailed was not delivered"
    finally:
        subprocess.run(["docker", "start", server], check=True, capture_output=True)
    home.check_output(f"touch {BACKUP_DIR}/request")
    assert wait_until(lambda: notifications(client, "BackupFailed", "resolved", since), 180, 5), \
        "no resolution delivered once backups resumed"
    pulumi("preview", "--expect-no-changes")
