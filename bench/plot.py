"""The benchmark's figures as one PNG: timings, memory per role, the full
table against a bare BIRD, and many ROAs."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display: write files only
import matplotlib.pyplot as plt  # noqa: E402


def _bars(ax, labels: list[str], values: list[float], title: str, unit: str, color: str) -> None:
    bars = ax.bar(labels, values, color=color)
    ax.bar_label(bars, fmt="%.1f", fontsize=8)
    ax.set_title(title, fontsize=10)
    ax.set_ylabel(unit)
    ax.tick_params(axis="x", labelrotation=30, labelsize=8)
    for label in ax.get_xticklabels():
        label.set_horizontalalignment("right")


def plot(result: dict, path: Path) -> None:
    t, m, ft, roas = result["timings"], result["memory"], result["full_table"], result["many_roas"]
    fig, axes = plt.subplots(2, 2, figsize=(13, 9))
    timing = {
        "cold up\n(images cached)": t["cold_up_images_cached_s"],
        "cold up\n(images rebuilt)": t.get("cold_up_images_rebuilt_s", 0.0),
        "no-op up": t["noop_up_s"],
        "preview": t["preview_s"],
        "up start to\nEstablished": t["cold_up_to_established_s"],
        "up start to\nVALID": t["cold_up_to_valid_s"],
        "ROA removed\nto dropped": t["roa_removed_to_dropped_s"],
        "ROA added\nto VALID": t["roa_added_to_valid_s"],
    }
    _bars(axes[0][0], list(timing), list(timing.values()), f"Timings (median of {result['runs']})", "s", "#4c72b0")

    memory = {
        "vps\nBIRD+nginx": m["vps_peak_rss_mib"],
        "home\nKrill+nginx": m["home_peak_rss_mib"],
        "rir": m["rir_peak_rss_mib"],
        "validator": m["validator_peak_rss_mib"],
        "whole lab": m["whole_lab_peak_rss_mib"],
        "vps total +\ndocker engine": m["vps_total_with_docker_engine_mib"],
        "vps total, full\ntable + engine": ft["vps_total_with_table_and_docker_engine_mib"],
    }
    ax = axes[0][1]
    _bars(ax, list(memory), list(memory.values()), "Peak RSS", "MiB", "#55a868")
    ax.axhline(m["seed_vps_mib"], color="#c44e52", linestyle="--", linewidth=1)
    ax.text(0, m["seed_vps_mib"], f" the seed's VPS: {m['seed_vps_mib']} MB", color="#c44e52", va="bottom", fontsize=8)

    bare = ft["bare_bird"]
    ax = axes[1][0]
    labels = ["peak RSS (MiB)", "converge (s)"]
    x = range(len(labels))
    project = [ft["vps_bird_peak_rss_mib"], ft["vps_converge_s"]]
    baseline = [bare["recv_peak_rss_mib"], bare["converge_s"]]
    b1 = ax.bar([i - 0.2 for i in x], project, width=0.4, label="vps BIRD (personal-as)", color="#4c72b0")
    b2 = ax.bar([i + 0.2 for i in x], baseline, width=0.4, label="bare BIRD, no filters", color="#8172b2")
    ax.bar_label(b1, fmt="%.1f", fontsize=8)
    ax.bar_label(b2, fmt="%.1f", fontsize=8)
    ax.set_xticks(list(x), labels)
    ax.set_title(f"Full table: {ft['routes']:,} IPv6 routes (ratios: RSS {ft['ratio_rss_to_bare']}, "
                 f"converge {ft['ratio_converge_to_bare']})", fontsize=10)
    ax.legend(fontsize=8)

    many = {
        "pulumi up": roas["up_s"],
        "up start to all\nat validator": roas["up_start_to_all_at_validator_s"],
        "removal up": roas["removal_up_s"],
        "removal to\none VRP": roas["removal_to_one_vrp_s"],
    }
    _bars(axes[1][1], list(many), list(many.values()), f"{roas['roas']:,} ROAs through the stack", "s", "#dd8452")

    mach = result["machine"]
    fig.suptitle(f"personal-as bench, {result['date']} - {mach['cpus']} x {mach['cpu']}, "
                 f"{mach['memory_gib']} GiB, {mach['os']}", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
