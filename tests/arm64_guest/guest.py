"""The arm64 guest as the tests reach it: SSH with the host key pinned at the
disk's build, images shipped the way a host without a registry gets them
(`docker save | ssh docker load`), and service containers started with the
flags the stack gives them (components/service.py, components/privileges.py).
`scripts/arm64-guest.sh up` boots the guest and writes guest.env."""

from __future__ import annotations

import shlex
import subprocess
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from components.cache_dir import cache_dir
from components.naming import labels, service_container
from components.privileges import privileges

CACHE = cache_dir()
A64 = CACHE / "arm64-guest"
ENV_FILE = A64 / "guest.env"
# The stack name the guest's containers are named for (arm64-home-krill).
STACK = "arm64"


def read_env(path: Path = ENV_FILE) -> dict[str, str]:
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: the arm64 guest is not up (scripts/arm64-guest.sh up)")
    out = {}
    for line in path.read_text().splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            out[key] = value
    return out


def record_timing(text: str) -> None:
    """One line in the tier's timings log, as the script writes them."""
    stamp = datetime.now().astimezone().isoformat(timespec="seconds")
    A64.mkdir(parents=True, exist_ok=True)
    with open(A64 / "timings.log", "a") as f:
        f.write(f"{stamp} {text}\n")


@dataclass
class Guest:
    env: dict[str, str]

    @property
    def address4(self) -> str:
        return self.env["A64_GUEST4"]

    @property
    def address6(self) -> str:
        return self.env["A64_GUEST6"]

    def ssh_command(self) -> list[str]:
        # One SSH connection for the whole session: each handshake costs the
        # emulated CPU about a second.
        return ["ssh", "-i", self.env["A64_SSH_KEY"], "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
                "-o", f"UserKnownHostsFile={self.env['A64_KNOWN_HOSTS']}", "-o", "LogLevel=ERROR",
                "-o", "ConnectTimeout=10", "-o", "ServerAliveInterval=15", "-o", "ControlMaster=auto",
                "-o", f"ControlPath={A64 / 'run' / 'ssh-%C'}", "-o", "ControlPersist=600",
                f"root@{self.address4}"]

    def run(self, command: str, *, check: bool = True, timeout: float = 300,
            input: str | None = None) -> subprocess.CompletedProcess:
        res = subprocess.run([*self.ssh_command(), command], capture_output=True, text=True, timeout=timeout,
                             input=input)
        if check and res.returncode != 0:
            raise AssertionError(f"on the guest: {command!r} exited {res.returncode}\n{res.stdout}\n{res.stderr}")
        return res

    def write_file(self, path: str, text: str, mode: str = "0644", owner: str = "root:root") -> None:
        """By rename, with its mode and owner set before it is in place."""
        q = shlex.quote(path)
        self.run(f"set -e; mkdir -p \"$(dirname {q})\"; umask 077; cat > {q}.new; chown {owner} {q}.new; "
                 f"chmod {mode} {q}.new; mv {q}.new {q}", input=text)

    def wait_for(self, command: str, what: str, timeout: float, interval: float = 3) -> str:
        """Until `command` succeeds on the guest; its output."""
        deadline, last = time.monotonic() + timeout, None
        while time.monotonic() < deadline:
            last = self.run(command, check=False, timeout=120)
            if last.returncode == 0:
                return last.stdout
            time.sleep(interval)
        raise AssertionError(f"{what}: not within {timeout:.0f} s; last answer:\n"
                             f"{last.stdout if last else ''}{last.stderr if last else ''}")

    def image_ids(self, tags: list[str]) -> dict[str, str]:
        out = {}
        for tag in tags:
            res = self.run(f"docker image inspect -f '{{{{.Id}}}}' {shlex.quote(tag)}", check=False)
            if res.returncode == 0:
                out[tag] = res.stdout.strip()
        return out

    def ship(self, tags: list[str]) -> int:
        """`docker save` here, `docker load` there, of the images whose ids
        differ; the bytes the SSH connection carried."""
        sent = 0
        save = subprocess.Popen(["docker", "save", *tags], stdout=subprocess.PIPE)
        # docker load's few lines of output fit in the pipe until it is read.
        load = subprocess.Popen([*self.ssh_command(), "docker load -q"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        assert save.stdout is not None and load.stdin is not None and load.stdout is not None
        while chunk := save.stdout.read(1 << 20):
            load.stdin.write(chunk)
            sent += len(chunk)
        load.stdin.close()
        out = load.stdout.read().decode()
        if save.wait() != 0 or load.wait(timeout=1800) != 0:
            raise AssertionError(f"shipping {tags} failed: save {save.returncode}, load {load.returncode}\n{out}")
        return sent


def service_run(host: str, service: str, image: str, mounts: list[str] | tuple[str, ...] = (),
                env: dict[str, str] | None = None) -> str:
    """`docker run` for a user's service as ServiceContainer makes it on a
    real host: host network, restarted unless stopped, rotated logs, no
    capability but its row's, no new privileges, a read-only root where its
    row says so; and never a pull (the image was shipped)."""
    row = privileges(service)
    args = ["docker", "run", "-d", "--pull", "never", "--name", service_container(STACK, host, service),
            "--network", "host", "--restart", "unless-stopped",
            "--log-driver", "json-file", "--log-opt", "max-size=10m", "--log-opt", "max-file=3",
            *[f"--label={k}={v}" for k, v in labels(STACK, host, service).items()],
            "--cap-drop", "ALL", *[f"--cap-add={c}" for c in row.granted],
            "--security-opt", "no-new-privileges:true"]
    if row.read_only:
        args += ["--read-only", *[f"--tmpfs={t}" for t in row.tmpfs or ()]]
    for path in mounts:
        args += ["-v", f"{path}:{path}"]
    for key, value in (env or {}).items():
        args += ["-e", f"{key}={value}"]
    # A container left by an earlier run on the same guest is replaced.
    name = service_container(STACK, host, service)
    return f"docker rm -f {name} >/dev/null 2>&1; {shlex.join([*args, image])}"
