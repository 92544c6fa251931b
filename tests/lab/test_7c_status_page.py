"""The status page in a real browser: Debian's Chromium, headless, opens
https://<krill name>/status/ from home's network (where the proxy listens,
as a browser on the home LAN would), logs in with the stack's generated
password, and shows the session Established and the prefix VALID. The
screenshot is kept in the project's cache (test-output/status-page.png) and
is the documentation's picture of the page (docs/status-page-lab.png, in the
clone the test runs in: commit it when it changed)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from components.cache_dir import cache_dir
from components import naming
from tests.infra.bird import wait_until
from tests.infra.stack import STACK
from tests.infra.status_page import login, shows_healthy, status_url

CACHE = cache_dir()
SCREENSHOT = CACHE / "test-output" / "status-page.png"
DOCS_PICTURE = Path(__file__).resolve().parents[2] / "docs" / "status-page-lab.png"
CHROMIUM = shutil.which("chromium")


def home_pid() -> str:
    return subprocess.run(["docker", "inspect", "-f", "{{.State.Pid}}", naming.host_container(STACK, "home")],
                          capture_output=True, text=True, check=True).stdout.strip()


def chromium(cfg, tmp_path, *args: str) -> subprocess.CompletedProcess:
    """Chromium in home's network namespace, with the page's name mapped to
    where the proxy listens, logged in by the URL's user and password."""
    user, password = login()
    parts = urlsplit(status_url())
    url = parts._replace(netloc=f"{quote(user)}:{quote(password)}@{parts.netloc}").geturl()
    return subprocess.run(
        ["nsenter", "-t", home_pid(), "-n", CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu",
         f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1280,1800",
         # The lab's ACME CA is not in Chromium's store; the proxy's TLS is
         # verified by the Krill proxy's own tests.
         "--ignore-certificate-errors",
         f"--host-resolver-rules=MAP {parts.hostname} {cfg.krill.proxy.listen[0]}", *args, url],
        capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium: scripts/test.sh installs it for the lab tier")
def test_a_browser_logs_in_and_sees_the_session_and_the_prefix(lab_is_up, cfg, tmp_path):
    assert cfg.monitoring is not None, "the lab stack has monitoring"

    def dom() -> str:
        return chromium(cfg, tmp_path, "--dump-dom").stdout

    assert wait_until(lambda: shows_healthy(dom(), cfg), 120), dom()[-3000:]
    page = dom()
    assert f"<h1>AS{cfg.asn}</h1>" in page
    assert '<img src="topology.svg"' in page

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    SCREENSHOT.unlink(missing_ok=True)
    shot = tmp_path / "status-page.png"
    res = chromium(cfg, tmp_path, f"--screenshot={shot}")
    assert shot.exists() and shot.stat().st_size > 20_000, res.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    shutil.copy(shot, SCREENSHOT)
    shutil.copy(shot, DOCS_PICTURE)
