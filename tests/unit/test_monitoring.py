"""Monitoring's config section and renders: refused when wrong, naming the
key; Prometheus's and Alertmanager's configs accepted by their own
checkers (promtool, amtool); the tunnel user's script valid shell."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from components.alert_receiver import RECEIVER_ADDRESS
from components.config import validate
from components.lab_plan import plan
from components.render.monitoring import (
    ALERTMANAGER_FILE, RULES_FILE, render_alert_rules, render_alertmanager_yml, render_prometheus_yml,
)
from components.render.provision import render_metrics_user, render_metrics_user_check
from tests.unit.test_config import LAB_RAW, LAB_SECRETS, PROD_RAW, PROD_SECRETS, with_change
from tests.unit.test_render import lab_cfg

TOOLS = pytest.mark.skipif(not (shutil.which("promtool") and shutil.which("amtool")),
                           reason="promtool and amtool are installed by bootstrap")


def refused(raw, secrets, words: str) -> str:
    with pytest.raises(Exception) as err:
        validate(raw, secrets, check_files=False, placeholders_ok=True)
    assert words in str(err.value), str(err.value)
    return str(err.value)


def test_a_page_needs_two_missed_scrapes_at_least():
    raw = with_change(LAB_RAW, ("monitoring",), {"scrape_interval": 15, "session_down_for": 20})
    assert "personal-as:monitoring.session_down_for = 20" in refused(raw, LAB_SECRETS, "less than two scrapes")


def test_a_lab_world_delivers_to_its_own_receiver_and_says_a_webhook_url_is_not_used():
    raw = with_change(LAB_RAW, ("monitoring", "webhook_url"), "https://hooks.example.net/x")
    cfg = validate(raw, LAB_SECRETS | {"monitoring"}, check_files=False, placeholders_ok=True)
    assert any("monitoring.webhook_url is not used" in w and "own receiver" in w for w in cfg.warnings)


def test_a_webhook_url_must_be_a_secret_and_a_url():
    raw = with_change(PROD_RAW, ("monitoring",), {"webhook_url": "https://hooks.example.net/T0KEN"})
    refused(raw, PROD_SECRETS - {"monitoring"}, "must be a Pulumi secret")
    raw = with_change(PROD_RAW, ("monitoring",), {"webhook_url": "hooks.example.net/T0KEN"})
    refused(raw, PROD_SECRETS | {"monitoring"}, "http(s):// URL")


@pytest.mark.parametrize("value", ["2001:db8:ffff:11::2:9847", "[2001:db8:ffff:11::2]", "validator.lab",
                                   "http://validator.lab:9847/metrics", "[2001:db8::1]:99999"])
def test_the_validators_metrics_are_a_host_and_port(value):
    raw = with_change(LAB_RAW, ("monitoring", "validator_metrics"), value)
    err = refused(raw, LAB_SECRETS, '"<host>:<port>"')
    assert "personal-as:monitoring.validator_metrics" in err


@TOOLS
def test_prometheus_and_alertmanager_accept_the_rendered_configs(tmp_path):
    cfg = lab_cfg()
    (tmp_path / "rules.yml").write_text(render_alert_rules(cfg))
    (tmp_path / "prometheus.yml").write_text(render_prometheus_yml(cfg).replace(RULES_FILE, "rules.yml"))
    res = subprocess.run(["promtool", "check", "config", "prometheus.yml"], cwd=tmp_path, capture_output=True,
                         text=True)
    assert res.returncode == 0, res.stdout + res.stderr
    for lab in (True, False):
        am = tmp_path / "alertmanager.yml"
        am.write_text(render_alertmanager_yml("https://hooks.example.net/T0KEN", lab))
        res = subprocess.run(["amtool", "check-config", str(am)], capture_output=True, text=True)
        assert res.returncode == 0, res.stdout + res.stderr
    assert ALERTMANAGER_FILE.startswith("/etc/personal-as/metrics/")


def test_the_tunnel_users_scripts_are_valid_shell():
    for script in (render_metrics_user("personal-as-metrics", ["127.0.0.1:9110"]),
                   render_metrics_user_check("personal-as-metrics", ["127.0.0.1:9110"])):
        assert subprocess.run(["sh", "-n"], input=script, text=True).returncode == 0
    # The key line, as the shell builds it from the script.
    script = render_metrics_user("personal-as-metrics", ["127.0.0.1:9110"])
    defs = "; ".join(x for x in script.splitlines() if x.startswith(("options=", "line=")))
    line = subprocess.run(["sh", "-c", f'key="ssh-ed25519 AAAA"; {defs}; printf %s "$line"'],
                          capture_output=True, text=True).stdout
    assert line == 'restrict,port-forwarding,permitopen="127.0.0.1:9110",command="/bin/false" ssh-ed25519 AAAA'


def test_the_lab_receiver_is_clients_address():
    addresses = [a.split("/")[0] for _, a in plan(lab_cfg()).addresses_of("client")]
    assert RECEIVER_ADDRESS in addresses
