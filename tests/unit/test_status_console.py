"""The status page's template, run by Debian's real Prometheus: a console
that scrapes a fixed set of series (what the exporters give in the lab)
shows each session's state, uptime and last change, each prefix's RPKI
state with its ROAs, the firing alerts, the CA and the certificates; and a
BIRD nobody can scrape is shown as unknown, not as fine."""

from __future__ import annotations

import http.server
import shutil
import socket
import subprocess
import threading
import time
import urllib.request
from contextlib import contextmanager

import pytest

from components.onboarding import onboarding_stage
from components.render.monitoring import render_status_console
from tests.unit.test_render import lab_cfg

PROMETHEUS = shutil.which("prometheus")
pytestmark = pytest.mark.skipif(PROMETHEUS is None, reason="prometheus (Debian) is installed by bootstrap")

LAB_SERIES = """\
bird_protocol_up{name="transit",proto="BGP",ip_version="6",state="Established",import_filter="",export_filter=""} 1
bird_protocol_uptime{name="transit",proto="BGP",ip_version="6",state="Established",import_filter="",export_filter=""} 3600
bird_protocol_prefix_export_count{name="transit",proto="BGP",ip_version="6",state="Established"} 1
bird_protocol_prefix_import_count{name="transit",proto="BGP",ip_version="6",state="Established"} 3
personal_as_rpki_prefix_valid{prefix="2001:db8:100::/48",origin="65536",state="valid"} 1
personal_as_rpki_prefix_vrp{prefix="2001:db8:100::/48",vrp_prefix="2001:db8:100::/48",asn="65536",max_length="48"} 1
krill_cas_bgp_roas_total{ca="personal"} 1
krill_ca_parent_success{ca="personal",parent="lir"} 1
krill_ca_ps_success{ca="personal"} 1
personal_as_certificate_expiry_timestamp_seconds{kind="roa",subject="2001:db8:100::/48-48 => AS65536"} 1827467200
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def exporter(text: str):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            body = text.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()


@contextmanager
def prometheus(tmp_path, target_port: int):
    consoles = tmp_path / "consoles"
    consoles.mkdir()
    (consoles / "status.html").write_text(render_status_console(lab_cfg(), onboarding_stage(lab_cfg())))
    (tmp_path / "prometheus.yml").write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        f"scrape_configs:\n  - job_name: bird\n    static_configs: [{{targets: ['127.0.0.1:{target_port}']}}]\n")
    port = _free_port()
    proc = subprocess.Popen(
        [PROMETHEUS, f"--config.file={tmp_path / 'prometheus.yml'}", f"--storage.tsdb.path={tmp_path / 'data'}",
         f"--web.listen-address=127.0.0.1:{port}", f"--web.console.templates={consoles}",
         f"--web.console.libraries={consoles}", "--web.external-url=https://krill.home.lab/status/",
         "--web.route-prefix=/"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


def page_once_scraped(base: str, wanted: str) -> str:
    """The page, once Prometheus has scraped (up to 20 s)."""
    deadline, page = time.monotonic() + 20, ""
    while time.monotonic() < deadline:
        try:
            page = urllib.request.urlopen(f"{base}/consoles/status.html", timeout=5).read().decode()
        except OSError:
            page = ""
        if wanted in page:
            return page
        time.sleep(0.5)
    return page


def test_the_page_shows_the_session_the_prefix_its_roa_the_ca_and_the_certificates(tmp_path):
    with exporter(LAB_SERIES) as port, prometheus(tmp_path, port) as base:
        page = page_once_scraped(base, 'class="state ok">Established')
    assert 'class="state ok">Established' in page, page
    assert "<td>1h 0m 0s</td>" in page  # the session's uptime
    assert 'class="since">' in page and 'class="since">-' not in page  # when it last changed
    assert 'class="rpki ok">VALID' in page
    assert "<li>2001:db8:100::/48 max 48, AS65536</li>" in page
    assert '<tr><td colspan="3" class="ok">none</td></tr>' in page  # no alert firing
    assert "lir: reached" in page
    assert "2001:db8:100::/48-48 =&gt; AS65536" in page
    assert '<img src="topology.svg"' in page
    assert '<p id="onboarding" class="ok">Onboarding: lab.' in page


def test_a_prod_stack_waiting_for_its_parent_says_so_and_what_to_do():
    from components.onboarding import Stage

    page = render_status_console(lab_cfg(), Stage("awaiting-parent", "hand <the child request> to your parent"))
    assert ('<p id="onboarding" class="bad">Onboarding: awaiting-parent. '
            'Next: hand &lt;the child request&gt; to your parent</p>') in page


def test_a_bird_nobody_scrapes_is_unknown_not_fine(tmp_path):
    with exporter("# nothing\n") as port, prometheus(tmp_path, port) as base:
        page = page_once_scraped(base, "AS65536")
    assert "unknown: BIRD on vps cannot be scraped" in page, page
    assert "unknown: no relying-party run yet" in page
    assert 'class="state ok"' not in page and 'class="rpki ok"' not in page
