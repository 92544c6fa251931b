"""The running lab as the benchmark sees it: Pulumi runs, BIRD over its
control socket and /proc figures, all through `docker exec` on this machine
(no SSH, so a destroyed and recreated stack needs no new key)."""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from bench.fulltable import process_cpu_s
from tests.infra.bird import parse_roa_verdict

ROOT = Path(__file__).resolve().parents[1]
STACK = "lab"
STACK_FILE = ROOT / "stacks" / f"Pulumi.{STACK}.yaml"
BIRD_SOCKET = "/run/bird/bird.ctl"
_STARTED = time.monotonic()


def say(message: str) -> None:
    """Progress on stdout, as it happens: the bench runs for many minutes."""
    print(f"[bench +{time.monotonic() - _STARTED:6.0f}s] {message}", flush=True)


def run(*cmd: str, check: bool = True, stdin: str | None = None) -> subprocess.CompletedProcess:
    res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, input=stdin)
    if check and res.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])} failed ({res.returncode}):\n{res.stdout[-2000:]}\n{res.stderr[-2000:]}")
    return res


def pulumi(*args: str) -> float:
    """Run one pulumi command on the lab stack; return its wall time."""
    start = time.monotonic()
    run("pulumi", *args, "--stack", STACK, "--non-interactive")
    return time.monotonic() - start


def pulumi_up_started() -> subprocess.Popen:
    return subprocess.Popen(["pulumi", "up", "--yes", "--skip-preview", "--stack", STACK, "--non-interactive"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def recover() -> None:
    run("bash", "scripts/pulumi-recover.sh", STACK)


def docker_exec(container: str, command: str, check: bool = True) -> str:
    return run("docker", "exec", container, "sh", "-c", command, check=check).stdout


def birdc(host: str, command: str, check: bool = False, stack: str = STACK) -> str:
    return docker_exec(f"{stack}-{host}-bird", f"birdc -s {BIRD_SOCKET} {command}", check=check)


def is_established(show_protocols: str, protocol: str) -> bool:
    return bool(re.search(rf"^{protocol}\s+BGP\s.*Established", show_protocols, re.M))


def established(host: str, protocol: str) -> bool:
    return is_established(birdc(host, f"show protocols {protocol}"), protocol)


def has_route(host: str, prefix: str) -> bool:
    return f"{prefix} " in birdc(host, f"show route {prefix}")


def rpki_valid(prefix: str, asn: int) -> bool:
    return parse_roa_verdict(birdc("transit", f"'eval roa_check(r6, {prefix}, {asn})'")) == "valid"


def imported(show_protocols_all: str) -> int:
    """Routes a protocol has imported, from its own counter: cheap to poll,
    where `show route count` would walk the whole table inside the BIRD being
    timed (about 90 ms at 220,000 routes)."""
    m = re.search(r"Routes:\s+(\d+) imported", show_protocols_all)
    return int(m.group(1)) if m else 0


def routes_from(host: str, protocol: str) -> int:
    return imported(birdc(host, f"show protocols all {protocol}"))


TRANSIT_BENCH_CONF = "/etc/bird/bench-fulltable.conf"
TRANSIT_ROUTES = "/etc/bird/bench-fulltable.routes"


def transit_feeds(routes_file: Path, stack: str = STACK) -> None:
    """Transit, reconfigured (not restarted) with the synthetic table in a
    disabled static protocol, offered to its customer like its BGP routes."""
    run("docker", "cp", str(routes_file), f"{stack}-transit:{TRANSIT_ROUTES}")
    docker_exec(
        f"{stack}-transit",
        # Appended to the customer export's condition, whatever else it offers.
        f"sed 's/export where net = ::\\/0 || source = RTS_BGP/& || proto = \"fulltable\"/' /etc/bird/bird.conf"
        f" > {TRANSIT_BENCH_CONF} && grep -q 'proto = \"fulltable\"' {TRANSIT_BENCH_CONF}"
        f" && echo 'include \"{TRANSIT_ROUTES}\";' >> {TRANSIT_BENCH_CONF} && chown bird:bird {TRANSIT_BENCH_CONF}",
    )
    out = birdc("transit", f"'configure \"{TRANSIT_BENCH_CONF}\"'", check=True, stack=stack)
    if "Reconfigured" not in out and "Reconfiguration in progress" not in out:
        raise RuntimeError(f"transit refused the bench config: {out}")


def transit_back_to_its_config(stack: str = STACK) -> None:
    birdc("transit", "'configure \"/etc/bird/bird.conf\"'", stack=stack)
    docker_exec(f"{stack}-transit", f"rm -f {TRANSIT_BENCH_CONF} {TRANSIT_ROUTES}", check=False)


def kernel_routes(host: str) -> int:
    return len(docker_exec(f"{STACK}-{host}", "ip -6 route show table all").splitlines())


def vrps() -> list[dict]:
    out = docker_exec(f"{STACK}-validator", "cat /var/lib/rpki-client/json", check=False)
    try:
        return json.loads(out)["roas"]
    except (ValueError, KeyError):
        return []


def wait_for(check: Callable[[], bool], timeout: float, what: str, interval: float = 0.2) -> float:
    """Seconds until `check` holds; an error naming `what` after `timeout`."""
    start = time.monotonic()
    while not check():
        if time.monotonic() - start > timeout:
            raise RuntimeError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)
    return time.monotonic() - start


def mib(kib: int) -> float:
    return round(kib / 1024, 1)


def process_memory(container: str) -> list[tuple[str, int, int]]:
    """(command, peak RSS KiB, RSS KiB) of every process a host container
    sees: its own and its services', which share its PID namespace."""
    out = docker_exec(container, "for s in /proc/[0-9]*/status; do "
                      "awk '/^Name:/{n=$2} /^VmHWM:/{h=$2} /^VmRSS:/{r=$2} END{if (h) print n, h, r}' $s; "
                      "done 2>/dev/null", check=False)
    rows = []
    for line in out.splitlines():
        name, hwm, rss = line.split()
        rows.append((name, int(hwm), int(rss)))
    return rows


def host_process_memory(name: str) -> list[tuple[str, int, int]]:
    """(command, peak RSS KiB, RSS KiB) of this machine's processes called `name`."""
    rows = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        if fields.get("Name", "").strip() == name and "VmHWM" in fields:
            rows.append((name, int(fields["VmHWM"].split()[0]), int(fields["VmRSS"].split()[0])))
    return rows


def bird_pid(host: str) -> int:
    out = run("docker", "inspect", "-f", "{{.State.Pid}}", f"{STACK}-{host}-bird").stdout
    return int(out.strip())


def reset_bird_peak(host: str) -> None:
    """Start BIRD's peak RSS afresh (`5` to clear_refs resets VmHWM), so the
    peak read afterwards belongs to what happens next, not to its past."""
    Path(f"/proc/{bird_pid(host)}/clear_refs").write_text("5")


def bird_memory(host: str) -> tuple[float, float]:
    """(peak RSS, RSS) in MiB of the BIRD daemon of a host."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{bird_pid(host)}/status").read_text().splitlines())
    return mib(int(fields["VmHWM"].split()[0])), mib(int(fields["VmRSS"].split()[0]))


def bird_cpu_s(host: str) -> float:
    """CPU seconds the BIRD daemon of a host has used so far."""
    return process_cpu_s(bird_pid(host))


def lab_containers() -> list[str]:
    return run("docker", "ps", "--format", "{{.Names}}", "--filter", f"label=personal-as.stack={STACK}").stdout.split()
