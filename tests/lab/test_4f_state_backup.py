"""The Pulumi state, backed up and brought back on another machine.

`make state-backup` writes the running lab's state, encrypted under the
stack's passphrase. "Another machine" is a copy of the repository with a
backend of its own (an empty directory) and no stack config file: there,
`make state-restore` brings the stack back, and `preview` against the live
lab finds nothing to change. The passphrase is then rotated there with
`pulumi stack change-secrets-provider passphrase`: the new one opens the
secrets and previews clean, the old one is refused."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.infra.stack import STACK
from tests.lab.conftest import ROOT, STACK_FILE

pytestmark = pytest.mark.usefixtures("lab_is_up")


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


@pytest.fixture(scope="module")
def other_machine(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """The repository as another clone has it (tracked files, a venv), with an
    empty backend of its own and no config file for the stack yet."""
    root = tmp_path_factory.mktemp("clone")
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-C", str(ROOT), "--null", "-T", "-", "-cf", str(root / "repo.tar")], input=files,
                   check=True)
    repo = root / "repo"
    repo.mkdir()
    subprocess.run(["tar", "-C", str(repo), "-xf", str(root / "repo.tar")], check=True)
    (repo / ".venv").symlink_to(os.path.realpath(ROOT / ".venv"))
    (repo / "stacks" / STACK_FILE.name).unlink(missing_ok=True)  # a user's prod file is not in git
    backend = root / "backend"
    backend.mkdir()
    env = {**os.environ, "PULUMI_BACKEND_URL": f"file://{backend}"}
    return repo, env


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
