"""What each service container on vps and home may do, read back from the
running containers and compared with the table they were made from
(components/privileges.py): no capability but its row's (CapDrop ALL,
CapAdd the row, the main process's bounding set the same), what the
running daemon still holds (its effective set), no-new-privileges on, the
daemon's user, its PID namespace (the host's only where the row says why),
and a read-only root file system with only the row's tmpfs mounts.
A service without a row fails."""

from __future__ import annotations

import json
import shlex

import pytest

from components.privileges import SERVICES
from tests.infra import stack
from tests.infra.engine import on_engine, spec_kind

# Linux's capability numbers (include/uapi/linux/capability.h).
CAPS = ["CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP",
        "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER",
        "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
        "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP",
        "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF",
        "CHECKPOINT_RESTORE"]


def decode(mask: str) -> set[str]:
    bits = int(mask, 16)
    return {name for i, name in enumerate(CAPS) if bits >> i & 1}


# One call per host reads everything the test compares: on a guest under
# emulation each SSH round trip costs about a second. Per container: its
# `docker inspect`, then its main process's status, PID namespace and the
# options its root is mounted with, each after a marker line.
READ_ALL = r"""
host_ns=$(readlink {host_ns_of})
for cid in $(docker ps -q {labels}); do
  pid=$(docker inspect -f '{{{{.State.Pid}}}}' "$cid")
  echo '@@ inspect'; docker inspect "$cid"
  echo '@@ status'; cat "/proc/$pid/status"
  echo '@@ pid_ns'; readlink "/proc/$pid/ns/pid"
  echo '@@ host_ns'; echo "$host_ns"
  echo '@@ root'; awk '$5 == "/" {{print $6}}' "/proc/$pid/mountinfo"
  echo '@@ end'
done
"""


def read_containers(host, name: str) -> list[dict[str, str]]:
    labels = f"--filter label=personal-as.stack={stack.STACK} --filter label=personal-as.host={name}"
    host_ns_of = ("/proc/1/ns/pid" if spec_kind(name) == "ssh" else
                  f"/proc/$(docker inspect -f '{{{{.State.Pid}}}}' {shlex.quote(f'{stack.STACK}-{name}')})/ns/pid")
    out = on_engine(host, name, READ_ALL.format(labels=labels, host_ns_of=host_ns_of))
    containers, part, key, lines = [], {}, None, []
    for line in out.splitlines():
        if not line.startswith("@@ "):
            lines.append(line)
            continue
        if key:
            part[key] = "\n".join(lines)
        key, lines = line[3:], []
        if key == "end":
            containers.append(part)
            part, key = {}, None
    return containers


@pytest.mark.parametrize("name", ["vps", "home"])
def test_every_service_holds_only_what_its_row_grants(name, request):
    if name not in stack.outputs()["hosts"]:
        pytest.skip(f"stack {stack.STACK} has no host {name}")
    host = request.getfixturevalue(name)
    containers = read_containers(host, name)
    assert containers, f"no service containers on {name}"
    seen = set()
    for read in containers:
        info = json.loads(read["inspect"])[0]
        service = info["Config"]["Labels"].get("personal-as.role")
        if service == "host":
            continue  # a lab host's own container (its namespaces), not a service
        assert service in SERVICES, f"{info['Name']}: service {service!r} has no row in components/privileges.py"
        row = SERVICES[service]
        assert not row.world, f"{info['Name']}: a lab world service on the user's {name}"
        hc = info["HostConfig"]
        strip = lambda caps: {c.removeprefix("CAP_") for c in caps or []}  # noqa: E731
        assert strip(hc.get("CapDrop")) == {"ALL"}, (info["Name"], hc.get("CapDrop"))
        assert strip(hc.get("CapAdd")) == set(row.granted), (info["Name"], hc.get("CapAdd"))
        assert "no-new-privileges:true" in (hc.get("SecurityOpt") or []), (info["Name"], hc.get("SecurityOpt"))
        status = dict(line.split(":\t", 1) for line in read["status"].splitlines() if ":\t" in line)
        assert decode(status["CapBnd"]) == set(row.granted), (info["Name"], decode(status["CapBnd"]))
        assert decode(status["CapEff"]) == set(row.running), (info["Name"], decode(status["CapEff"]))
        assert status["NoNewPrivs"].strip() == "1", info["Name"]
        uid = int(status["Uid"].split()[1])  # effective
        assert (uid == 0) == (row.user == "root"), (info["Name"], "runs as uid", uid, "row says", row.user)
        # The host's PID namespace (the lab host container's, or the guest's)
        # only where the row says why; otherwise a namespace of its own.
        pid_ns, host_ns = read["pid_ns"].strip(), read["host_ns"].strip()
        assert pid_ns and host_ns, (info["Name"], "PID namespaces not read", pid_ns, host_ns)
        assert (pid_ns == host_ns) == bool(row.host_pid), (info["Name"], "PID namespace", hc.get("PidMode"))
        assert bool(hc.get("ReadonlyRootfs")) == row.read_only, (info["Name"], "read-only root", row.writable)
        assert set(hc.get("Tmpfs") or {}) == set(row.tmpfs or ()), (info["Name"], hc.get("Tmpfs"))
        if row.read_only:
            # The kernel agrees: the daemon's / is mounted ro.
            root = read["root"].split()
            assert root and root[0].split(",")[0] == "ro", (info["Name"], root)
        seen.add(service)
    assert seen, f"no service of the stack's on {name}"
