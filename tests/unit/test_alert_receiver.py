"""The lab's alert receiver (images/metrics/alert-receiver.py), on this
machine's loopback: every JSON POST is kept, one a line with its arrival
time; anything else is refused and kept nowhere."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "images/metrics/alert-receiver.py"


@pytest.fixture
def receiver(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "received.jsonl"
    proc = subprocess.Popen([sys.executable, str(SCRIPT), "127.0.0.1", str(port), str(out)],
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/alerts"
    for _ in range(50):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    yield url, out
    proc.terminate()
    proc.wait(5)


def post(url: str, body: bytes) -> int:
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        return urllib.request.urlopen(req, timeout=5).status
    except urllib.error.HTTPError as err:
        return err.code


def test_a_notification_is_kept_with_its_arrival_time(receiver):
    url, out = receiver
    before = time.time()
    payload = {"status": "firing", "alerts": [{"labels": {"alertname": "BGPSessionDown", "upstream": "transit"}}]}
    assert post(url, json.dumps(payload).encode()) == 200
    [line] = out.read_text().splitlines()
    kept = json.loads(line)
    assert kept["payload"] == payload and before <= kept["received_at"] <= time.time()


def test_what_is_not_json_is_refused(receiver):
    url, out = receiver
    assert post(url, b"not json") == 400
    assert not out.exists()
