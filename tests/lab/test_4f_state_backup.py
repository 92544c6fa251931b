"""The Pulumi state: backed up, brought back on another machine into a
team's PostgreSQL backend, locked while an update runs, and its passphrase
rotated.

`make state-backup` writes the running lab's state, encrypted under the
stack's passphrase. The team's backend is Debian's PostgreSQL, set up by
scripts/state-backend.sh over SSH on a machine of its own (a container of
the lab's host image, sshd and PostgreSQL on this machine's loopback, apt
from the Debian mirror). "Another machine" is a copy of the repository with
no stack config file, logged in to that backend: there `make
state-restore` brings the stack back, and `preview` against the live lab
finds nothing to change. Two `up`s at once: the second is refused with
Pulumi's lock message. The passphrase is then rotated there with `pulumi
stack change-secrets-provider passphrase`: the new one opens the secrets
and previews clean, the old one is refused."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from tests.infra.stack import STACK
from tests.lab.conftest import ROOT, STACK_FILE

pytestmark = pytest.mark.usefixtures("lab_is_up")

# The backend machine's sshd and PostgreSQL, on this machine's loopback.
DB_SSH_PORT = 2231
DB_PORT = 55431


def run(args: list[str], cwd: Path, env: dict[str, str], stdin: str | None = None,
        check: bool = True) -> subprocess.CompletedProcess:
    res = subprocess.run(args, cwd=cwd, env=env, input=stdin, capture_output=True, text=True)
    if check and res.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed ({res.returncode}):\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}")
    return res


@pytest.fixture(scope="module")
def backup(tmp_path_factory) -> Path:
    file = tmp_path_factory.mktemp("state") / f"{STACK}.state.gpg"
    run(["make", "-s", "state-backup", f"STACK={STACK}", f"FILE={file}"], ROOT, dict(os.environ))
    return file


def host_image() -> str:
    """The lab's host image, as this stack's lab hosts run it."""
    return subprocess.run(["docker", "inspect", "-f", "{{.Config.Image}}", f"{STACK}-vps"], capture_output=True,
                          text=True, check=True).stdout.strip()


@pytest.fixture(scope="module")
def state_db(tmp_path_factory):
    """A Debian machine for the team's backend, and the URL
    scripts/state-backend.sh wrote for it (in an operator's home of its own)."""
    home = tmp_path_factory.mktemp("operator")
    (home / ".ssh").mkdir(mode=0o700)
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(home / ".ssh/id_ed25519")], check=True)
    name = f"{STACK}-statedb"
    subprocess.run(["docker", "rm", "-f", name], capture_output=True)
    subprocess.run(["docker", "run", "-d", "--name", name, "--network", "host",
                    "-v", f"{home}/.ssh/id_ed25519.pub:/root/.ssh/authorized_keys:ro",
                    "--entrypoint", "sh", host_image(), "-c",
                    f"ssh-keygen -A >/dev/null && exec /usr/sbin/sshd -D -e -o ListenAddress=127.0.0.1 "
                    f"-p {DB_SSH_PORT}"], check=True, capture_output=True)
    try:
        env = {**os.environ, "HOME": str(home)}
        # The machine's host key, taken on first contact (as an operator's
        # ssh would ask), into the operator's own known_hosts.
        ssh = ["-p", str(DB_SSH_PORT), "-i", str(home / ".ssh/id_ed25519"), "-o", "StrictHostKeyChecking=accept-new",
               "-o", f"UserKnownHostsFile={home}/.ssh/known_hosts"]
        for _ in range(30):
            if subprocess.run(["ssh", *ssh, "-o", "BatchMode=yes", "root@127.0.0.1", "true"],
                              capture_output=True, env=env).returncode == 0:
                break
            time.sleep(1)
        start = time.monotonic()
        run(["bash", "scripts/state-backend.sh", *ssh, "--port", str(DB_PORT), "root@127.0.0.1"], ROOT, env)
        print(f"state-backend.sh: PostgreSQL installed and set up in {time.monotonic() - start:.1f}s")
        env_file = home / ".config/personal-as/state-db/127.0.0.1.env"
        assert env_file.stat().st_mode & 0o077 == 0
        url = env_file.read_text().split("PULUMI_BACKEND_URL='", 1)[1].split("'", 1)[0]
        yield url, name
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True)


@pytest.fixture(scope="module")
def other_machine(tmp_path_factory, state_db) -> tuple[Path, dict[str, str]]:
    """The repository as another clone has it (tracked files, a venv), logged
    in to the team's backend, with no config file for the stack yet."""
    root = tmp_path_factory.mktemp("clone")
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-C", str(ROOT), "--null", "-T", "-", "-cf", str(root / "repo.tar")], input=files,
                   check=True)
    repo = root / "repo"
    repo.mkdir()
    subprocess.run(["tar", "-C", str(repo), "-xf", str(root / "repo.tar")], check=True)
    (repo / ".venv").symlink_to(os.path.realpath(ROOT / ".venv"))
    (repo / "stacks" / STACK_FILE.name).unlink(missing_ok=True)  # a user's prod file is not in git
    env = {**os.environ, "PULUMI_BACKEND_URL": state_db[0]}
    return repo, env


def test_the_backend_takes_logins_over_tls_only(state_db):
    url, name = state_db
    plain = url.replace("sslmode=verify-full", "sslmode=disable")
    res = subprocess.run(["docker", "exec", name, "psql", plain.split("?")[0] + "?sslmode=disable", "-c", "select 1"],
                         capture_output=True, text=True)
    assert res.returncode != 0 and "rejects connection" in res.stderr, res.stderr
    res = subprocess.run(["docker", "exec", name, "psql", url.split("?")[0] + "?sslmode=require", "-Atc",
                          "select ssl from pg_stat_ssl where pid = pg_backend_pid()"], capture_output=True, text=True)
    assert res.returncode == 0 and res.stdout.strip() == "t", res.stderr


def test_the_backup_is_encrypted_and_names_nothing_of_the_stack(backup):
    data = backup.read_bytes()
    assert backup.stat().st_mode & 0o077 == 0, "the backup is readable by others"
    # gpg names the cipher from the packets alone, without the passphrase.
    packets = subprocess.run(["gpg", "--homedir", str(backup.parent), "--batch", "--list-packets",
                              "--pinentry-mode", "loopback", "--passphrase-fd", "0", str(backup)],
                             stdin=subprocess.DEVNULL, capture_output=True, text=True)
    assert "AES256" in packets.stderr and "decryption failed" in packets.stderr, packets.stderr
    for plain in (b"urn:pulumi", b"personal-as", b"2001:db8", b"BEGIN", STACK.encode()):
        assert plain not in data, f"{plain!r} readable in the backup"


def test_a_restore_on_another_machine_previews_no_changes(backup, other_machine):
    repo, env = other_machine
    run(["make", "-s", "state-restore", f"STACK={STACK}", f"FILE={backup}"], repo, env)
    assert (repo / "stacks" / STACK_FILE.name).read_bytes() == STACK_FILE.read_bytes()
    run(["pulumi", "preview", "--stack", STACK, "--non-interactive", "--expect-no-changes"], repo, env)


def test_a_restore_never_overwrites_a_state(backup, other_machine):
    repo, env = other_machine  # the stack is there now (the test above)
    res = run(["make", "-s", "state-restore", f"STACK={STACK}", f"FILE={backup}"], repo, env, check=False)
    assert res.returncode != 0 and f"already has stack {STACK}" in res.stderr, res.stderr


def test_a_backup_under_a_wrong_passphrase_is_refused(tmp_path):
    env = {**os.environ, "PULUMI_CONFIG_PASSPHRASE": "not the stack's passphrase"}
    env.pop("PULUMI_CONFIG_PASSPHRASE_FILE", None)
    res = run(["make", "-s", "state-backup", f"STACK={STACK}", f"FILE={tmp_path / 'x.gpg'}"], ROOT, env, check=False)
    assert res.returncode != 0 and "does not open stack" in res.stderr, res.stderr
    assert not (tmp_path / "x.gpg").exists()


def test_a_second_up_while_one_runs_is_refused_with_the_lock_message(other_machine):
    repo, env = other_machine  # the stack restored (above)
    first = subprocess.Popen(["pulumi", "up", "--stack", STACK, "--yes", "--non-interactive", "--skip-preview"],
                             cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        time.sleep(8)  # the first holds the lock once its update began
        assert first.poll() is None, first.stdout.read() if first.stdout else ""
        second = run(["pulumi", "up", "--stack", STACK, "--yes", "--non-interactive", "--skip-preview"], repo, env,
                     check=False)
        assert second.returncode != 0, second.stdout
        assert "currently locked" in second.stdout + second.stderr, second.stdout + second.stderr
    finally:
        out, _ = first.communicate(timeout=600)
    assert first.returncode == 0, out[-3000:]


def test_the_passphrase_rotates_and_the_old_one_no_longer_opens_the_state(other_machine, tmp_path):
    repo, env = other_machine
    old = env.get("PULUMI_CONFIG_PASSPHRASE") or Path(env["PULUMI_CONFIG_PASSPHRASE_FILE"]).read_text().splitlines()[0]
    new = "a new passphrase, rotated " + os.urandom(6).hex()
    with_old = {**env, "PULUMI_CONFIG_PASSPHRASE": old}
    with_old.pop("PULUMI_CONFIG_PASSPHRASE_FILE", None)
    # The old passphrase from the environment, the new one on stdin (twice:
    # entered and confirmed).
    run(["pulumi", "stack", "change-secrets-provider", "--stack", STACK, "passphrase"], repo, with_old,
        stdin=f"{new}\n{new}\n")
    with_new = {**with_old, "PULUMI_CONFIG_PASSPHRASE": new}
    run(["pulumi", "preview", "--stack", STACK, "--non-interactive", "--expect-no-changes"], repo, with_new)
    refused = run(["pulumi", "config", "--stack", STACK, "--show-secrets"], repo, with_old, check=False)
    assert refused.returncode != 0 and "incorrect passphrase" in refused.stderr, refused.stderr
    # The repository's own file is untouched: the rotation was the copy's.
    assert (repo / "stacks" / STACK_FILE.name).read_bytes() != STACK_FILE.read_bytes()
