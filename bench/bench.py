"""`make bench`: what personal-as costs, measured on the real lab.

Brings the lab stack up, then measures the images (each one's size, and
each role's compressed), timings (cold, no-op and preview
runs, time to Established and to RPKI-valid, ROA changes), memory per role,
a full table fed by transit to vps beside a bare BIRD fed the same table
(bare, then with vps's features added one at a time), and
1,000 ROAs through the stack. Last, on the vmlab stack's real Debian guests
(bench/vmlab.py): bytes shipped by a first `up` and by a one-layer change,
and the guests' memory (vps with the seed's 512 MB, also with the full
table; Krill on home). Medians of --runs runs where a run is cheap enough to
repeat. Writes bench/results/latest.json and latest.png. The vmlab section
destroys the lab first and leaves nothing up; without it (--skip-vmlab), the
lab stays up on the committed config.

    python -m bench.bench [--runs 3] [--routes 220000] [--roas 1000] [--skip-rebuild]
                          [--skip-vmlab] [--only SECTION ...]
"""

from __future__ import annotations

import argparse
import datetime
import ipaddress
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import yaml

from bench import acme, bfd, irr, krill_build, lab, monitoring, vmlab
from bench.lab import say
from components.container_image import image_spec
from components.stack import image_args
from bench.fulltable import VARIANTS, bare_bird_baseline, synthetic_as_paths, synthetic_routes, write_static_routes
from bench.plot import plot

RESULTS = lab.ROOT / "bench" / "results"
PREFIX = "2001:db8:100::/48"
ASN = 65536
SEED_VPS_MIB = 512
SEED_ROUTES = 196_420
PROJECT_IMAGES = ("personal-as/bird", "personal-as/nginx", "personal-as/krill", "personal-as/validator",
                  "personal-as/host")


def median(xs: list[float]) -> float:
    return round(statistics.median(xs), 2)




def figures(section: str, values: dict) -> dict:
    """Print each figure of a finished measurement, and hand the values on."""
    for key, value in values.items():
        if not isinstance(value, (dict, list)):
            say(f"  {section}.{key} = {value}")
    return values


# --- timings -----------------------------------------------------------------

def cold_up(rebuild_images: bool) -> dict:
    """From nothing to a lab: `pulumi up` wall time, and from its start to the
    session Established and to the route RPKI-valid at transit."""
    lab.pulumi("destroy", "--yes", "--skip-preview")
    if rebuild_images:
        for image in lab.run("docker", "images", "--format", "{{.Repository}}:{{.Tag}}").stdout.split():
            if image.startswith(PROJECT_IMAGES):
                lab.run("docker", "rmi", "-f", image)
        lab.run("docker", "builder", "prune", "-af", check=False)
    start = time.monotonic()
    proc = lab.pulumi_up_started()
    established = valid = up = None
    while valid is None:
        now = time.monotonic() - start
        if up is None and proc.poll() is not None:
            if proc.returncode != 0:
                raise RuntimeError(f"cold pulumi up failed:\n{proc.stdout.read()[-3000:]}")
            up = now
        if established is None and lab.established("vps", "transit"):
            established = now
        if established is not None and lab.has_route("transit", PREFIX) and lab.rpki_valid(PREFIX, ASN):
            valid = now
        if now > 900:
            raise RuntimeError("the cold lab was not RPKI-valid within 900 s")
        time.sleep(0.25)
    if up is None:
        proc.wait()
        up = time.monotonic() - start
    return {"up_s": round(up, 2), "established_s": round(established, 2), "valid_s": round(valid, 2)}


def roa_flip() -> dict:
    """Time from the start of `pulumi up` until transit drops the route once
    its ROA is removed, and until it is VALID again once the ROA is back."""
    committed = lab.STACK_FILE.read_bytes()
    try:
        lab.run("pulumi", "config", "set", "--path", "roas", "[]", "--stack", lab.STACK)
        start = time.monotonic()
        lab.pulumi("up", "--yes", "--skip-preview")
        lab.wait_for(lambda: not lab.has_route("transit", PREFIX), 300, "the route dropped at transit")
        dropped = time.monotonic() - start
    finally:
        lab.STACK_FILE.write_bytes(committed)
    start = time.monotonic()
    lab.pulumi("up", "--yes", "--skip-preview")
    lab.wait_for(lambda: lab.has_route("transit", PREFIX) and lab.rpki_valid(PREFIX, ASN), 300,
                 "the route VALID at transit")
    return {"removed_to_dropped_s": round(dropped, 2), "added_to_valid_s": round(time.monotonic() - start, 2)}


def timings(runs: int, rebuild: bool) -> dict:
    cached = []
    for i in range(runs):
        say(f"timings: cold up {i + 1}/{runs} (destroy, then up with images cached)")
        cached.append(figures("cold_up", cold_up(rebuild_images=False)))
    say(f"timings: {runs} no-op ups, then {runs} previews")
    out = {
        "cold_up_images_cached_s": median([r["up_s"] for r in cached]),
        "cold_up_to_established_s": median([r["established_s"] for r in cached]),
        "cold_up_to_valid_s": median([r["valid_s"] for r in cached]),
        "noop_up_s": median([lab.pulumi("up", "--yes", "--skip-preview") for _ in range(runs)]),
        "preview_s": median([lab.pulumi("preview") for _ in range(runs)]),
        "runs": {"cold_up_images_cached": cached},
    }
    figures("timings", out)
    if rebuild:
        # One run: it rebuilds every image from the base, which is slow by design.
        say("timings: cold up with every image rebuilt from the base")
        rebuilt = figures("cold_up_rebuilt", cold_up(rebuild_images=True))
        out["cold_up_images_rebuilt_s"] = rebuilt["up_s"]
        out["runs"]["cold_up_images_rebuilt"] = [rebuilt]
    flips = []
    for i in range(runs):
        say(f"timings: ROA removed and restored {i + 1}/{runs}")
        flips.append(figures("roa_flip", roa_flip()))
    out["roa_removed_to_dropped_s"] = median([f["removed_to_dropped_s"] for f in flips])
    out["roa_added_to_valid_s"] = median([f["added_to_valid_s"] for f in flips])
    out["runs"]["roa_flip"] = flips
    return out


# --- memory ------------------------------------------------------------------

ROLES = {  # role -> (host container, the daemons that make the role; None: all)
    "vps": ("vps", ("bird", "nginx")),
    "home": ("home", ("krill", "nginx")),
    "rir": ("rir", ("krill", "nginx")),
    "validator": ("validator", ("rpki-client", "stayrtr")),
}


def role_memory() -> dict:
    """Peak RSS (VmHWM) summed over each role's daemons, and over every
    process of the lab's containers; dockerd and containerd for the vps role."""
    out = {}
    for role, (host, daemons) in ROLES.items():
        procs = lab.process_memory(f"{lab.STACK}-{host}")
        out[f"{role}_peak_rss_mib"] = lab.mib(sum(h for name, h, _ in procs if name in daemons))
        out[f"{role}_all_processes_peak_rss_mib"] = lab.mib(sum(h for _, h, _ in procs))
    hosts = [c for c in lab.lab_containers() if c.count("-") == 1]
    out["whole_lab_peak_rss_mib"] = lab.mib(sum(h for c in hosts for _, h, _ in lab.process_memory(c)))
    engine = [*lab.host_process_memory("dockerd"), *lab.host_process_memory("containerd")]
    out["docker_engine_peak_rss_mib"] = lab.mib(sum(h for _, h, _ in engine))
    out["vps_total_with_docker_engine_mib"] = round(
        out["vps_all_processes_peak_rss_mib"] + out["docker_engine_peak_rss_mib"], 1)
    out["seed_vps_mib"] = SEED_VPS_MIB
    out["vps_total_share_of_seed_vps"] = round(out["vps_total_with_docker_engine_mib"] / SEED_VPS_MIB, 3)
    return out


# --- images ------------------------------------------------------------------

ROLE_SERVICES = {"vps": ("bird", "nginx"), "home": ("krill", "nginx")}


def image_sizes() -> dict:
    """Each image the lab's user-side services run, uncompressed, and what
    each role's images weigh compressed (gzip of `docker save`, which holds
    a layer the role's images share once): what a first `up` ships to it."""
    import subprocess

    out: dict = {}
    for role, services in ROLE_SERVICES.items():
        images = []
        for service in services:
            image = lab.run("docker", "inspect", "-f", "{{.Config.Image}}", f"{lab.STACK}-{role}-{service}").stdout.strip()
            size = int(lab.run("docker", "image", "inspect", "-f", "{{.Size}}", image).stdout)
            out[f"{role}_{service}_image_mb"] = round(size / 1e6, 1)
            images.append(image)
        save = subprocess.Popen(["docker", "save", *images], stdout=subprocess.PIPE)
        gz = subprocess.run(["gzip", "-c"], stdin=save.stdout, capture_output=True, check=True)
        save.wait()
        out[f"{role}_images_gzip_mb"] = round(len(gz.stdout) / 1e6, 1)
    return out


# --- scale: a full table -----------------------------------------------------

def full_table(n: int) -> dict:
    """transit feeds vps n routes with `import: full`: BIRD's RSS on vps and
    the time to converge, beside a bare BIRD fed the same routes."""
    committed = lab.STACK_FILE.read_bytes()
    with tempfile.TemporaryDirectory(prefix="pas-bench-") as tmp:
        routes_file = Path(tmp) / "fulltable.routes"
        write_static_routes(routes_file, synthetic_routes(n), synthetic_as_paths(n))
        try:
            lab.run("pulumi", "config", "set", "--path", "upstreams[0].import", "full", "--stack", lab.STACK)
            lab.pulumi("up", "--yes", "--skip-preview")
            lab.wait_for(lambda: lab.established("vps", "transit"), 120, "vps Established with import full")
            kernel_before = lab.kernel_routes("vps")
            lab.transit_feeds(routes_file)
            lab.wait_for(lambda: lab.established("vps", "transit"), 120, "the session after transit's reconfigure")
            lab.reset_bird_peak("vps")
            say(f"full_table: transit feeds vps {n} routes")
            # CPU too, as the bare pair reports it: free of the docker exec
            # and 0.5 s polling that the wall time below includes.
            cpu_before = lab.bird_cpu_s("vps"), lab.bird_cpu_s("transit")
            start = time.monotonic()
            lab.birdc("transit", "enable fulltable", check=True)
            lab.wait_for(lambda: lab.routes_from("vps", "transit") >= n, 900, f"{n} routes at vps", interval=0.5)
            converge = time.monotonic() - start
            vps_cpu, transit_cpu = lab.bird_cpu_s("vps") - cpu_before[0], lab.bird_cpu_s("transit") - cpu_before[1]
            peak, rss = lab.bird_memory("vps")
            kernel_after = lab.kernel_routes("vps")
            # DESIGN.md's rule: the table is control plane only, never in a kernel.
            if kernel_after != kernel_before:
                raise RuntimeError(f"vps's kernel went from {kernel_before} to {kernel_after} routes with the table")
            vps_with_table = role_memory()
        finally:
            lab.transit_back_to_its_config()
            lab.STACK_FILE.write_bytes(committed)
            lab.pulumi("up", "--yes", "--skip-preview")
        # The same BIRD as vps's (its image's), fed the same routes: bare, then
        # one more of vps's features per rung (fulltable.VARIANTS), so the
        # ratio of vps to each rung says what is left to explain beyond it.
        image = image_spec(image_args(lab.STACK, "bird"))["tag"]
        ladder = {}
        for variant in VARIANTS:
            say(f"full_table: a bare BIRD pair fed the same {n} routes, up to {variant}")
            ladder[variant] = bare_bird_baseline(n, Path(tmp) / "bare", image, variant)
    bare, bare_rib_in = ladder["bare"], ladder["import_table"]
    return {
        "routes": n,
        "seed_routes": SEED_ROUTES,
        "vps_bird_peak_rss_mib": peak,
        "vps_bird_rss_mib": rss,
        "vps_converge_s": round(converge, 2),
        "vps_bird_cpu_s": round(vps_cpu, 2),
        "transit_bird_cpu_s": round(transit_cpu, 2),
        "vps_kernel_routes": kernel_after,
        "vps_total_with_table_and_docker_engine_mib": vps_with_table["vps_total_with_docker_engine_mib"],
        "bare_bird": bare,
        "bare_bird_import_table": bare_rib_in,
        "ratio_rss_to_bare": round(peak / bare["recv_peak_rss_mib"], 2),
        "ratio_converge_to_bare": round(converge / bare["converge_s"], 2),
        "ratio_rss_to_bare_import_table": round(peak / bare_rib_in["recv_peak_rss_mib"], 2),
        "ratio_converge_to_bare_import_table": round(converge / bare_rib_in["converge_s"], 2),
        "bare_bird_ladder": ladder,
        **ladder_figures(ladder, peak, converge, vps_cpu),
    }


def ladder_figures(ladder: dict[str, dict], peak: float, converge: float, cpu: float) -> dict:
    """Each rung's figures, and vps's ratio to each, as flat keys: `figures`
    prints them with the rest, and the rung where a ratio nears 1 is where
    vps's cost is explained."""
    out: dict[str, float | None] = {}
    for variant, r in ladder.items():
        out[f"ladder_{variant}_converge_s"] = r["converge_s"]
        out[f"ladder_{variant}_recv_peak_rss_mib"] = r["recv_peak_rss_mib"]
        out[f"ladder_{variant}_recv_cpu_s"] = r["recv_cpu_s"]
        out[f"ratio_converge_to_ladder_{variant}"] = ratio(converge, r["converge_s"])
        out[f"ratio_rss_to_ladder_{variant}"] = ratio(peak, r["recv_peak_rss_mib"])
        out[f"ratio_cpu_to_ladder_{variant}"] = ratio(cpu, r["recv_cpu_s"])
    return out


def ratio(a: float, b: float) -> float | None:
    # A tiny table can take less CPU than a clock tick: no ratio then.
    return round(a / b, 2) if b else None


# --- scale: many ROAs --------------------------------------------------------

def roa_list(n: int) -> list[dict]:
    """n ROAs, each a /60 of the user's /48 (there are 4,096)."""
    # Written as the validator writes them (compressed), so they compare equal.
    return [{"prefix": str(ipaddress.ip_network(f"2001:db8:100:{i << 4:x}::/60")), "max_length": 60}
            for i in range(n)]


def many_roas(n: int) -> dict:
    """n ROAs applied through the stack: `pulumi up` time, and the time from
    its start until the validator holds them all; then the way back."""
    committed = lab.STACK_FILE.read_bytes()
    doc = yaml.safe_load(committed)
    doc["config"]["personal-as:roas"] = [{"prefix": PREFIX, "max_length": 48}, *roa_list(n)]
    added = {r["prefix"] for r in roa_list(n)}
    ours = lambda: sum(1 for v in lab.vrps() if v["prefix"] in added)  # noqa: E731
    try:
        lab.STACK_FILE.write_text(yaml.safe_dump(doc, sort_keys=False))
        say(f"many_roas: {n} ROAs through pulumi up")
        start = time.monotonic()
        up = lab.pulumi("up", "--yes", "--skip-preview")
        lab.wait_for(lambda: ours() >= n, 900, f"{n} VRPs at the validator", interval=1)
        all_there = time.monotonic() - start
    finally:
        lab.STACK_FILE.write_bytes(committed)
    say("many_roas: back to the committed ROA")
    start = time.monotonic()
    down = lab.pulumi("up", "--yes", "--skip-preview")
    lab.wait_for(lambda: ours() == 0 and any(v["prefix"] == PREFIX for v in lab.vrps()), 900,
                 "the validator back to the one committed VRP", interval=1)
    return {"roas": n, "up_s": round(up, 2), "up_start_to_all_at_validator_s": round(all_there, 2),
            "removal_up_s": round(down, 2), "removal_to_one_vrp_s": round(time.monotonic() - start, 2)}


# --- main --------------------------------------------------------------------

def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kib = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                       if line.startswith("MemTotal")))
    os_name = next((line.split("=", 1)[1].strip('"') for line in Path("/etc/os-release").read_text().splitlines()
                    if line.startswith("PRETTY_NAME")), platform.system())
    return {"cpu": cpu, "cpus": os.cpu_count(), "memory_gib": round(mem_kib / 1024 / 1024, 1),
            "os": os_name, "kernel": platform.release(),
            "bird": lab.run("bird", "--version", check=False).stderr.strip()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per repeated timing (median reported)")
    parser.add_argument("--routes", type=int, default=220_000, help="routes in the full table")
    parser.add_argument("--roas", type=int, default=1000, help="ROAs applied through the stack")
    parser.add_argument("--skip-rebuild", action="store_true", help="skip the cold up that rebuilds images")
    parser.add_argument("--skip-vmlab", action="store_true", help="skip the section on the vmlab guests")
    parser.add_argument("--only", nargs="+", metavar="SECTION", help="measure only these sections")
    args = parser.parse_args()

    started = time.monotonic()
    latest = RESULTS / "latest.json"
    # --only re-measures some sections and keeps the others' last figures.
    kept = json.loads(latest.read_text()) if args.only and latest.exists() else {}
    result: dict = {
        **kept,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "runs": args.runs,
    }
    sections = {
        "images": image_sizes,
        "timings": lambda: timings(args.runs, rebuild=not args.skip_rebuild),
        "memory": role_memory,
        "full_table": lambda: full_table(args.routes),
        "many_roas": lambda: many_roas(args.roas),
        "acme": lambda: acme.measure(args.runs),
        "irr": lambda: irr.measure(args.runs),
        "bfd": lambda: bfd.measure(args.runs),
        "monitoring": lambda: monitoring.measure(args.runs),
        # Krill at the bootstrap's opt-level against its own release profile's.
        "krill_build": lambda: krill_build.measure(args.runs),
        # Last: it destroys the lab (the two stacks share the lab world's addresses).
        "vmlab": lambda: vmlab.measure(args.routes),
    }
    chosen = [n for n in sections if (not args.only or n in args.only) and not (n == "vmlab" and args.skip_vmlab)]
    if unknown := set(args.only or ()) - set(sections):
        parser.error(f"unknown section(s) {sorted(unknown)}; sections: {', '.join(sections)}")
    if any(n != "vmlab" for n in chosen):
        say("bringing the lab stack up")
        lab.recover()
        lab.pulumi("up", "--yes", "--skip-preview")
    RESULTS.mkdir(parents=True, exist_ok=True)
    for name in chosen:
        measure = sections[name]
        say(f"{name}: measuring")
        result[name] = figures(name, measure())
        # What is measured so far survives a later section's failure.
        (RESULTS / "partial.json.tmp").write_text(json.dumps(result, indent=2) + "\n")
    result["bench_wall_s"] = round(time.monotonic() - started, 1)
    tmp = RESULTS / "latest.json.tmp"
    tmp.write_text(json.dumps(result, indent=2) + "\n")
    tmp.replace(RESULTS / "latest.json")
    if all(k in result for k in ("timings", "memory", "full_table", "many_roas")):
        plot(result, RESULTS / "latest.png")
    say(f"done in {result['bench_wall_s']} s: {RESULTS / 'latest.json'} and latest.png")


if __name__ == "__main__":
    main()
