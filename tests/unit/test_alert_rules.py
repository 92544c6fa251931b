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
    assert "9 rules found" in res.stdout


def test_every_alert_fires_on_its_fault_and_only_then(rules_dir):
    res = promtool("test", "rules", "test.yml", cwd=rules_dir)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "SUCCESS" in res.stdout


def test_a_dual_stack_router_gets_the_export_check_per_family():
    cfg = lab_cfg(prefixes=["2001:db8:100::/48", "203.0.113.0/24"],
                  roas=[{"prefix": "2001:db8:100::/48", "max_length": 48}, {"prefix": "203.0.113.0/24"}])
    rules = render_alert_rules(cfg)
    assert 'ip_version="6", name=~"transit"} < 1)' in rules and 'ip_version="4", name=~"transit"} < 1)' in rules
