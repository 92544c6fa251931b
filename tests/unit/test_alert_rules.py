"""The alert rules, rendered for the lab config, checked and run by
Prometheus's own `promtool` against input series
(tests/unit/promtool/alert-rules-test.yml): each alert fires on its fault
after its `for:`, names what is wrong, and stays quiet otherwise."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from components.config.monitoring import Monitoring
from components.render.monitoring import render_alert_rules
from tests.unit.test_render import lab_cfg

TEST_FILE = Path(__file__).resolve().parent / "promtool" / "alert-rules-test.yml"
PROMTOOL = shutil.which("promtool")
pytestmark = pytest.mark.skipif(PROMTOOL is None, reason="promtool (Debian prometheus) is installed by bootstrap")


@pytest.fixture
def rules_dir(tmp_path):
    rules = render_alert_rules(lab_cfg(), Monitoring(scrape_interval=5, session_down_for=20))
    (tmp_path / "rules.yml").write_text(rules)
    shutil.copy(TEST_FILE, tmp_path / "test.yml")
    return tmp_path


def promtool(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([PROMTOOL, *args], cwd=cwd, capture_output=True, text=True)


def test_the_rendered_rules_pass_promtool_check(rules_dir):
    res = promtool("check", "rules", "rules.yml", cwd=rules_dir)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "11 rules found" in res.stdout


def test_every_alert_fires_on_its_fault_and_only_then(rules_dir):
    res = promtool("test", "rules", "test.yml", cwd=rules_dir)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "SUCCESS" in res.stdout


def test_a_dual_stack_router_gets_the_export_check_per_family():
    cfg = lab_cfg(prefixes=["2001:db8:100::/48", "203.0.113.0/24"],
                  roas=[{"prefix": "2001:db8:100::/48", "max_length": 48}, {"prefix": "203.0.113.0/24"}])
    rules = render_alert_rules(cfg)
    assert 'ip_version="6", name=~"transit"} < 1)' in rules and 'ip_version="4", name=~"transit"} < 1)' in rules


IMPORT_LIMIT_TEST = """
rule_files: [rules.yml]
evaluation_interval: 5s
tests:
  - name: routes from a full-table upstream stopped at the import limit fire, and only while they are
    interval: 5s
    input_series:
      - series: 'bird_protocol_prefix_import_count{job="bird",instance="vps",name="transit",proto="BGP",ip_version="6"}'
        values: '30 30 50 50 50 50 50 40 40 40'
    alert_rule_test:
      - {eval_time: 10s, alertname: ImportLimitHit, exp_alerts: []}
      - eval_time: 20s
        alertname: ImportLimitHit
        exp_alerts:
          - exp_labels: {instance: vps, name: transit, proto: BGP, ip_version: "6", job: bird,
                         severity: critical, upstream: transit}
            exp_annotations: {summary: "IPv6 routes from transit stopped at the import limit (50): further routes are refused and the table is partial"}
      - {eval_time: 45s, alertname: ImportLimitHit, exp_alerts: []}
"""


def test_an_import_limit_hit_fires_critical_while_routes_are_refused(tmp_path):
    cfg = lab_cfg(upstreams__0__import="full", upstreams__0__max_prefixes={"ipv6": 50})
    (tmp_path / "rules.yml").write_text(render_alert_rules(cfg, Monitoring(scrape_interval=5, session_down_for=20)))
    (tmp_path / "test.yml").write_text(IMPORT_LIMIT_TEST)
    res = promtool("test", "rules", "test.yml", cwd=tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr
    # No upstream sends a full table: no such rule at all.
    assert "ImportLimitHit" not in render_alert_rules(lab_cfg())


def test_one_number_sets_both_families_and_the_defaults_fit_todays_tables():
    assert lab_cfg(upstreams__0__max_prefixes=250000).upstreams[0].max_prefixes.model_dump() == {
        "ipv4": 250000, "ipv6": 250000}
    limits = lab_cfg().upstreams[0].max_prefixes
    assert limits.ipv4 >= 1_200_000 and limits.ipv6 >= 300_000
