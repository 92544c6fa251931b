"""MkDocs hook: the benchmark's figures, read from bench/results/latest.json
when the site is built, where a page says `<!-- bench-figures -->`. The
figures are never copied into a page by hand, so they cannot go stale."""

from __future__ import annotations

import json
from pathlib import Path

MARKER = "<!-- bench-figures -->"
RESULTS = Path(__file__).resolve().parent.parent / "bench" / "results" / "latest.json"

# (section, key, what it measures, unit); sections and keys as bench/bench.py writes them.
FIGURES = (
    ("timings", "cold_up_images_cached_s", "first `pulumi up` of the lab, images cached", "s"),
    ("timings", "cold_up_to_established_s", "from that `up` to the BGP session Established", "s"),
    ("timings", "cold_up_to_valid_s", "from that `up` to the route VALID at transit", "s"),
    ("timings", "cold_up_images_rebuilt_s", "first `up` with every image rebuilt", "s"),
    ("timings", "noop_up_s", "an `up` with nothing to do", "s"),
    ("timings", "preview_s", "a `preview`", "s"),
    ("timings", "roa_removed_to_dropped_s", "a ROA removed until transit drops the route", "s"),
    ("timings", "roa_added_to_valid_s", "a ROA added until the route is VALID again", "s"),
    ("memory", "vps_total_with_docker_engine_mib", "vps: every process and the Docker engine", "MiB"),
    ("memory", "vps_total_share_of_seed_vps", "vps's share of the seed's 512 MB VPS", "x"),
    ("memory", "home_all_processes_peak_rss_mib", "home: every process at its peak", "MiB"),
    ("full_table", "routes", "full table fed to vps", "routes"),
    ("full_table", "vps_converge_s", "vps converged on the full table", "s"),
    ("full_table", "ratio_converge_to_bare", "convergence against bare BIRD, same table", "x"),
    ("full_table", "ratio_rss_to_bare", "BIRD's memory against bare BIRD", "x"),
    ("full_table", "vps_total_with_table_and_docker_engine_mib", "vps with the full table and the engine", "MiB"),
    ("many_roas", "up_s", "`up` with 1,000 ROAs", "s"),
    ("many_roas", "up_start_to_all_at_validator_s", "from that `up` to all 1,000 at the validator", "s"),
    ("vmlab", "first_up_s", "first `up` on the vmlab guests (bench run)", "s"),
    ("vmlab", "vps_first_up_shipped_mb", "images shipped to vps on that `up`", "MB"),
    ("vmlab", "home_first_up_shipped_mb", "images shipped to home on that `up`", "MB"),
)


def figures_table(results: dict) -> str:
    machine = results.get("machine", {})
    lines = [
        f"Last `make bench`: {results.get('date', 'unknown')}, on {machine.get('cpus', '?')} cores, "
        f"{machine.get('memory_gib', '?')} GiB, {machine.get('os', '?')}, {machine.get('bird', '?')}; "
        f"medians of {results.get('runs', '?')} run(s) where repeated.",
        "",
        "| measured | value |",
        "|---|---:|",
    ]
    for section, key, what, unit in FIGURES:
        value = results.get(section, {}).get(key)
        if value is None:
            continue
        shown = f"{value:,}" if isinstance(value, int) else f"{value:,.2f}"
        lines.append(f"| {what} | {shown} {unit} |")
    return "\n".join(lines) + "\n"


def on_page_markdown(markdown: str, **_kwargs) -> str:
    if MARKER not in markdown:
        return markdown
    return markdown.replace(MARKER, figures_table(json.loads(RESULTS.read_text())))
