"""The backup client's loop (images/backup/backup-client.sh), run with a
stand-in restic that keeps snapshots as directories: a request is one
snapshot of Krill's data; a copy Krill wrote into while it was taken is
taken again; with no CA and no backup the verdict lets Krill start empty;
a home whose data is missing gets the newest snapshot staged for Krill's
start, and no backup while it waits; a named snapshot is staged once, and
a name that is not one snapshot is refused with the ones there are; a
repository that does not answer fails the backup within its bound. The
real restic and rest-server are the lab tier's (tests/lab/test_4e_ca_backup.py)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.unit.test_nginx_run import wait_for

CLIENT = Path(__file__).resolve().parents[2] / "images/backup/backup-client.sh"
OWNER = 65534  # nobody: the client runs as the owner of Krill's data

FAKE_RESTIC = r'''#!/usr/bin/env python3
import json, os, shutil, sys, time, uuid
repo = os.environ["FAKE_REPO"]
args = sys.argv[1:]
index = os.path.join(repo, "snapshots.json")
def snaps():
    return json.load(open(index)) if os.path.exists(index) else []
def save(s):
    # Whole or not at all, as restic's own files are: the test reads the
    # index while a backup writes it.
    with open(index + ".tmp", "w") as f:
        json.dump(s, f)
    os.replace(index + ".tmp", index)
if args[:2] == ["cat", "config"]:
    sys.exit(0 if os.path.exists(index) else 1)
if args[0] == "init":
    save([]); sys.exit(0)
if args[0] == "snapshots":
    s = snaps()
    # Compact, as restic prints it.
    print(json.dumps(s[-1:] if "--latest" in args else s, separators=(",", ":"))); sys.exit(0)
if args[0] == "backup" and os.path.exists(os.path.join(os.environ["FAKE_DIR"], "hang")):
    time.sleep(3600)  # a repository that never answers (restic retries for 15 minutes)
if args[0] == "backup":
    src = args[-1]; tags = [args[i + 1] for i, a in enumerate(args) if a == "--tag"]
    sid = uuid.uuid4().hex + uuid.uuid4().hex
    shutil.copytree(src, os.path.join(repo, sid), symlinks=True)
    s = snaps(); s.append({"id": sid, "short_id": sid[:8], "tags": tags,
                           "time": time.strftime("%Y-%m-%dT%H:%M:%S.000000000Z", time.gmtime())})
    save(s)
    print(json.dumps({"message_type": "summary", "snapshot_id": sid}, separators=(",", ":"))); sys.exit(0)
if args[0] == "restore":
    sid = args[1].split(":")[0]; target = args[args.index("--target") + 1]
    shutil.copytree(os.path.join(repo, sid), target, symlinks=True); sys.exit(0)
sys.exit(f"fake restic: {args}")
'''

# cp that lets "Krill" write one file into its data during the first copy.
RACING_CP = r'''#!/bin/sh
if [ ! -e "$FAKE_DIR/raced" ]; then
  touch "$FAKE_DIR/raced"
  echo written-during-the-copy > "$KRILL_DATA/late"
fi
exec /bin/cp "$@"
'''


@pytest.fixture
def world():
    """Krill's data, the client's work directory, a repository and the
    stand-ins, all the owner's (outside pytest's own 0700 temp root, which
    the owner could not enter)."""
    if os.geteuid() != 0:
        pytest.skip("the client starts as root and drops to the owner")
    tmp_path = Path(tempfile.mkdtemp(prefix="backup-client-"))
    bin_dir, repo, data, work, metrics = (tmp_path / n for n in ("bin", "repo", "krill", "work", "metrics"))
    for d in (bin_dir, repo, data, work, metrics):
        d.mkdir()
    (bin_dir / "restic").write_text(FAKE_RESTIC)
    (bin_dir / "restic").chmod(0o755)
    password = tmp_path / "password"
    password.write_text("a-password-12345\n")
    password.chmod(0o600)
    os.chmod(tmp_path, 0o755)
    for d in (repo, data, work, metrics):
        os.chown(d, OWNER, OWNER)
    env = {"PATH": f"{bin_dir}:/usr/sbin:/usr/bin:/sbin:/bin", "KRILL_DATA": str(data), "BACKUP_WORK": str(work),
           "BACKUP_METRICS_DIR": str(metrics), "RESTIC_PASSWORD_FILE": str(password), "FAKE_REPO": str(repo),
           "FAKE_DIR": str(tmp_path)}
    yield {"tmp": tmp_path, "bin": bin_dir, "repo": repo, "data": data, "work": work, "metrics": metrics, "env": env}
    shutil.rmtree(tmp_path, ignore_errors=True)


def give_ca(data: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (data / name).write_text(text)
        os.chown(data / name, OWNER, OWNER)


def snapshots(world) -> list[dict]:
    index = world["repo"] / "snapshots.json"
    return json.loads(index.read_text()) if index.exists() else []


@pytest.fixture
def start(world):
    procs = []

    def run(**env):
        p = subprocess.Popen(["bash", str(CLIENT), "3600"], env={**world["env"], **env}, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, start_new_session=True)
        procs.append(p)
        return p

    yield run
    for p in procs:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
        p.communicate(timeout=10)


def test_a_request_is_one_snapshot_of_the_ca_tagged_change_and_reported(world, start):
    give_ca(world["data"], {"ca.json": "the CA"})
    start()
    (world["work"] / "request").touch()
    assert wait_for(lambda: any("change" in s["tags"] for s in snapshots(world)), 20)
    snap = next(s for s in snapshots(world) if "change" in s["tags"])
    assert (world["repo"] / snap["id"] / "ca.json").read_text() == "the CA"
    assert wait_for(lambda: "personal_as_backup_last_run_ok 1" in (world["metrics"] / "backup.prom").read_text()
                    if (world["metrics"] / "backup.prom").exists() else False)
    assert (world["work"] / "verdict").read_text().strip() == "some"


def test_a_copy_krill_wrote_into_is_taken_again(world, start):
    give_ca(world["data"], {"ca.json": "the CA"})
    (world["bin"] / "cp").write_text(RACING_CP)
    (world["bin"] / "cp").chmod(0o755)
    os.chmod(world["tmp"], 0o777)  # the stand-in cp marks its race here, as the owner
    p = start()
    (world["work"] / "request").touch()
    assert wait_for(lambda: snapshots(world))
    snap = snapshots(world)[-1]
    assert (world["repo"] / snap["id"] / "late").read_text() == "written-during-the-copy\n"
    os.killpg(p.pid, signal.SIGTERM)
    assert "Krill wrote while its data was copied (try 1)" in p.communicate(timeout=10)[0]


def test_no_ca_and_no_backup_lets_krill_start_empty_and_takes_no_snapshot(world, start):
    start()
    assert wait_for(lambda: (world["work"] / "verdict").exists())
    assert (world["work"] / "verdict").read_text().strip() == "none"
    (world["work"] / "request").touch()
    time.sleep(3)
    assert snapshots(world) == [] and not (world["work"] / "staged").exists()


def test_a_home_that_lost_its_data_gets_the_newest_snapshot_staged_and_takes_no_backup_meanwhile(world, start):
    give_ca(world["data"], {"ca.json": "old"})
    p = start()
    (world["work"] / "request").touch()
    assert wait_for(lambda: len(snapshots(world)) == 1)
    give_ca(world["data"], {"ca.json": "newest"})
    (world["work"] / "request").touch()
    assert wait_for(lambda: len(snapshots(world)) == 2)
    os.killpg(p.pid, signal.SIGTERM)
    p.wait(timeout=10)
    # The disk dies: an empty data directory, and a client that starts again.
    shutil.rmtree(world["data"])
    world["data"].mkdir()
    os.chown(world["data"], OWNER, OWNER)
    start()
    staged = world["work"] / "staged"
    assert wait_for(lambda: (staged / ".complete").exists())
    newest = snapshots(world)[-1]["id"]
    assert (staged / ".complete").read_text().split() == [f"auto-{newest[:8]}", newest]
    assert (staged / "ca.json").read_text() == "newest"
    (world["work"] / "request").touch()
    time.sleep(3)
    assert len(snapshots(world)) == 2, "a backup of the empty disk was taken"


def test_a_named_snapshot_is_staged_once_and_a_wrong_name_is_refused_with_the_ones_there_are(world, start):
    give_ca(world["data"], {"ca.json": "first"})
    p = start()
    (world["work"] / "request").touch()
    assert wait_for(lambda: len(snapshots(world)) == 1)
    first = snapshots(world)[0]["id"]
    os.killpg(p.pid, signal.SIGTERM)
    p.wait(timeout=10)
    wrong = start(RESTORE_SNAPSHOT="deadbeef")
    time.sleep(3)
    os.killpg(wrong.pid, signal.SIGTERM)
    said = wrong.communicate(timeout=10)[0]
    assert f"krill.restore_snapshot=deadbeef is not one snapshot of the repository; there are: {first[:8]}" in said
    assert not (world["work"] / "staged").exists()
    start(RESTORE_SNAPSHOT=first[:8])
    staged = world["work"] / "staged"
    assert wait_for(lambda: (staged / ".complete").exists())
    assert (staged / ".complete").read_text().split() == [first[:8], first]


def test_a_repository_that_does_not_answer_fails_the_backup_within_the_bound_and_says_so(world, start):
    give_ca(world["data"], {"ca.json": "the CA"})
    (world["tmp"] / "hang").touch()
    start(BACKUP_TIMEOUT_S="2")
    (world["work"] / "request").touch()
    prom = world["metrics"] / "backup.prom"
    assert wait_for(lambda: prom.exists() and "personal_as_backup_last_run_ok 0" in prom.read_text(), 15)
    assert snapshots(world) == []

