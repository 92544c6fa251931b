"""MkDocs hooks: what a page shows that the code or a measurement knows,
made when the site is built, never copied into a page by hand:

- `<!-- bench-figures -->`: the benchmark's figures, from bench/results/latest.json,
  and its plot (bench/results/latest.png, inlined: it lives beside the figures);
- `<!-- onboarding-stages -->`: the RPKI onboarding stages, as the program
  (components/onboarding.py) gives them for the prod example with no
  response, one, then both.
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

MARKER = "<!-- bench-figures -->"
STAGES_MARKER = "<!-- onboarding-stages -->"
ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "latest.json"
PLOT = ROOT / "bench" / "results" / "latest.png"

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
    if PLOT.exists():
        data = base64.b64encode(PLOT.read_bytes()).decode()
        lines += ["", f"![the last make bench, plotted by it](data:image/png;base64,{data})"]
    return "\n".join(lines) + "\n"


def onboarding_diagram() -> str:
    """The stages the program reports for the prod example as the user sets
    the parent's response, then the repository's: a Mermaid flowchart."""
    sys.path.insert(0, str(ROOT))
    from components.config import validate
    from components.onboarding import onboarding_stage
    from tests.stack_files import PROD_EXAMPLE, load_stack_file

    raw, secrets = load_stack_file(PROD_EXAMPLE)
    steps = [("", "the first up"), ("parent_response_file", "parent response saved, up"),
             ("repository_response_file", "repository response saved, up")]
    lines, previous, krill = ["```mermaid", "flowchart LR"], None, dict(raw["krill"])
    for key, how in steps:
        if key:
            krill[key] = f"~/rpki/{key}.xml"
        cfg = validate({**raw, "krill": krill}, secrets, check_files=False, placeholders_ok=True)
        stage = onboarding_stage(cfg).key
        node = stage.replace("-", "_")
        lines.append(f'  {previous or "start(( ))"} -- "{how}" --> {node}["{stage}"]')
        previous = node
    lines += ["```", ""]
    return "\n".join(lines)


def on_page_markdown(markdown: str, **_kwargs) -> str:
    if MARKER in markdown:
        markdown = markdown.replace(MARKER, figures_table(json.loads(RESULTS.read_text())))
    if STAGES_MARKER in markdown:
        markdown = markdown.replace(STAGES_MARKER, onboarding_diagram())
    return markdown
