"""The vmlab section of `make bench`: the user's vps and home as real Debian 12
guests (vps with the seed's 512 MB, home with 1 GB), reached over SSH as in prod.

Measures what a first `pulumi up` ships to each guest (bytes on the wire and
time), what a change of one image's top layer ships, and the guests' memory:
vps's MemAvailable with everything running and again with `import: full`
(the synthetic table fed by transit), and what Krill takes on home.

The lab and vmlab stacks share the lab world's management range, so this
section runs with the lab stack destroyed, and leaves vmlab destroyed and
the guests down.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import yaml

from bench import lab
from bench.fulltable import synthetic_as_paths, synthetic_routes, write_static_routes

STACK = "vmlab"
STACK_FILE = lab.ROOT / "stacks" / f"Pulumi.{STACK}.yaml"
MB = 1e6
ONE_LAYER_BYTES = 256 * 1024


def pulumi(*args: str) -> float:
    start = time.monotonic()
    lab.run("pulumi", *args, "--stack", STACK, "--non-interactive")
    return time.monotonic() - start


def connections() -> dict[str, dict]:
    """The product's own SSH connection to each guest, host keys as pinned."""
    from components.config import validate
    from tests.stack_files import load_stack_file

    # Addresses, users, ports and key files: no secret is needed for those.
    hosts = validate(*load_stack_file(STACK_FILE), check_files=False).hosts
    out = json.loads(lab.run("pulumi", "stack", "output", "hosts", "--json", "--show-secrets", "--stack", STACK).stdout)
    return {name: {"host": spec.address, "port": spec.port, "user": spec.user, "key_file": spec.key_file,
                   "host_keys": out[name]["host_keys"]} for name, spec in hosts.items()}


def on(conn: dict, command: str) -> str:
    from components.providers.ssh import run

    return run(conn, command, timeout=120)[0]


def meminfo(conn: dict) -> dict[str, float]:
    fields = dict(line.split(":", 1) for line in on(conn, "cat /proc/meminfo").splitlines())
    return {k: int(fields[k].split()[0]) / 1024 for k in ("MemTotal", "MemAvailable")}


def process_mib(conn: dict, name: str) -> tuple[float, float]:
    """(peak RSS, RSS) in MiB summed over the host's processes called `name`."""
    out = on(conn, f"for p in $(pidof {name}); do awk '/^VmHWM:/{{h=$2}} /^VmRSS:/{{r=$2}} END{{print h, r}}' "
                   f"/proc/$p/status; done")
    rows = [tuple(map(int, line.split())) for line in out.splitlines() if line.strip()]
    return round(sum(r[0] for r in rows) / 1024, 1), round(sum(r[1] for r in rows) / 1024, 1)


def settled_available(conn: dict, samples: int = 5) -> float:
    """Median MemAvailable (MiB) over a few samples once the guest is quiet."""
    values = []
    for _ in range(samples):
        values.append(meminfo(conn)["MemAvailable"])
        time.sleep(2)
    return round(statistics.median(values), 1)


def shipped_by_up() -> dict[str, dict]:
    """Per host: bytes the last `up`'s image transfers sent, and their longest time."""
    from tests.vmlab.state import image_transfers

    per: dict[str, dict] = {}
    for t in image_transfers(STACK):
        entry = per.setdefault(t["host"], {"bytes": 0, "seconds": 0.0, "tags": []})
        entry["bytes"] += t["bytes"]
        entry["seconds"] = max(entry["seconds"], t["seconds"])
        entry["tags"].append(t["tag"])
    return per


def one_layer_change(conn: dict, base_tag: str) -> dict:
    """Ship `base_tag` with one new top layer (ONE_LAYER_BYTES that do not
    compress), as a change to one image's last layer would be."""
    import docker

    from components.providers.image_transfer import ship

    client = docker.from_env()
    tag = "personal-as/bird-changed:bench"
    with tempfile.TemporaryDirectory() as ctx:
        Path(ctx, "payload").write_bytes(os.urandom(ONE_LAYER_BYTES))
        Path(ctx, "Dockerfile").write_text(f"FROM {base_tag}\nCOPY payload /usr/local/share/personal-as-payload\n")
        image, _ = client.images.build(path=ctx, tag=tag, network_mode="host", rm=True)
    try:
        shipped = ship(conn, tag)
    finally:
        on(conn, f"docker image rm {tag} >/dev/null 2>&1 || true")
        client.images.remove(image.id, force=True)
    return {"layer_kib": ONE_LAYER_BYTES // 1024, "shipped_kib": round(shipped["bytes"] / 1024, 1),
            "seconds": shipped["seconds"]}


def full_table_memory(conn: dict, routes: int) -> dict:
    committed = STACK_FILE.read_bytes()
    doc = yaml.safe_load(committed)
    doc["config"]["personal-as:upstreams"][0]["import"] = "full"
    with tempfile.TemporaryDirectory(prefix="pas-bench-") as tmp:
        routes_file = Path(tmp) / "fulltable.routes"
        write_static_routes(routes_file, synthetic_routes(routes), synthetic_as_paths(routes))
        try:
            STACK_FILE.write_text(yaml.safe_dump(doc, sort_keys=False))
            lab.say("vmlab: import full on vps (pulumi up)")
            pulumi("up", "--yes", "--skip-preview")
            birdc = lambda cmd: on(conn, f"docker exec {STACK}-vps-bird birdc -s {lab.BIRD_SOCKET} {cmd}")  # noqa: E731
            lab.wait_for(lambda: lab.is_established(birdc("show protocols transit"), "transit"), 300,
                         "vps Established with import full", interval=2)
            lab.transit_feeds(routes_file, stack=STACK)
            lab.say(f"vmlab: transit feeds vps {routes} routes")
            start = time.monotonic()
            lab.birdc("transit", "enable fulltable", check=True, stack=STACK)
            lab.wait_for(lambda: lab.imported(birdc("show protocols all transit")) >= routes, 1800,
                         f"{routes} routes at vps", interval=5)
            converge = time.monotonic() - start
            time.sleep(10)
            peak, rss = process_mib(conn, "bird")
            return {"routes": routes, "vps_converge_s": round(converge, 1), "vps_bird_peak_rss_mib": peak,
                    "vps_bird_rss_mib": rss, "vps_mem_available_mib": settled_available(conn)}
        finally:
            STACK_FILE.write_bytes(committed)


def measure(routes: int) -> dict:
    lab.say("vmlab: the lab stack goes (lab and vmlab share the lab world's addresses)")
    lab.run("pulumi", "destroy", "--yes", "--skip-preview", "--stack", "lab", "--non-interactive")
    lab.say("vmlab: guest disks (built once, then cached), pristine guests, no state")
    lab.run("bash", "scripts/guests/vmlab.sh", "build")
    lab.run("bash", "scripts/vmlab-reset.sh")
    lab.run("bash", "scripts/guests/vmlab.sh", "up")
    lab.run("pulumi", "stack", "select", "--create", STACK, "--non-interactive")
    try:
        lab.say("vmlab: first pulumi up on fresh guests")
        first_up = pulumi("up", "--yes", "--skip-preview")
        conns = connections()
        names = {c["host"]: n for n, c in conns.items()}
        out: dict = {"first_up_s": round(first_up, 1)}
        shipped = shipped_by_up()
        for host, entry in shipped.items():
            name = names[host]
            # What `docker save` of each image (the way before this) would have sent.
            whole = sum(int(lab.run("docker", "image", "inspect", "-f", "{{.Size}}", t).stdout) for t in entry["tags"])
            out[f"{name}_first_up_shipped_mb"] = round(entry["bytes"] / MB, 1)
            out[f"{name}_first_up_ship_s"] = entry["seconds"]
            out[f"{name}_docker_save_whole_mb"] = round(whole / MB, 1)
            out[f"{name}_shipped_to_docker_save_ratio"] = round(entry["bytes"] / whole, 3)
            lab.say(f"  vmlab.{name}: {out[f'{name}_first_up_shipped_mb']} MB shipped in {entry['seconds']} s")
        bird = next(t for e in shipped.values() for t in e["tags"] if t.startswith("personal-as/bird:"))
        lab.say("vmlab: a change of one image's top layer, shipped to vps")
        out["one_layer_change"] = one_layer_change(conns["vps"], bird)
        lab.say("vmlab: memory with everything running (settling 60 s)")
        time.sleep(60)
        vps, home = conns["vps"], conns["home"]
        out["vps_mem_total_mib"] = round(meminfo(vps)["MemTotal"], 1)
        out["vps_mem_available_mib"] = settled_available(vps)
        out["vps_bird_peak_rss_mib"], _ = process_mib(vps, "bird")
        out["vps_docker_engine_rss_mib"] = round(sum(process_mib(vps, n)[1] for n in ("dockerd", "containerd")), 1)
        out["home_mem_total_mib"] = round(meminfo(home)["MemTotal"], 1)
        out["home_mem_available_mib"] = settled_available(home)
        out["home_krill_peak_rss_mib"], out["home_krill_rss_mib"] = process_mib(home, "krill")
        out["home_nginx_peak_rss_mib"], _ = process_mib(home, "nginx")
        out["home_docker_engine_rss_mib"] = round(sum(process_mib(home, n)[1] for n in ("dockerd", "containerd")), 1)
        # What the stack adds to home: Krill and its proxy at their peaks,
        # and the engine that runs them (none of it if home has Docker already).
        out["home_stack_needs_mib"] = round(out["home_krill_peak_rss_mib"] + out["home_nginx_peak_rss_mib"]
                                            + out["home_docker_engine_rss_mib"], 1)
        out["full_table"] = full_table_memory(vps, routes)
        return out
    finally:
        lab.say("vmlab: destroy, guests down")
        pulumi("destroy", "--yes", "--skip-preview")
        lab.run("bash", "scripts/guests/vmlab.sh", "down")
