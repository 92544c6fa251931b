"""The own prefixes' RPKI states (images/metrics/rpki-status.py): RFC
6811 decided from rpki-client's VRPs, and the file node_exporter reads."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "images/metrics/rpki-status.py"
spec = importlib.util.spec_from_file_location("rpki_status", SCRIPT)
rpki_status = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rpki_status)

VRPS = [
    {"asn": 65536, "prefix": "2001:db8:100::/48", "maxLength": 48},
    {"asn": 64511, "prefix": "2001:db8:300::/48", "maxLength": 48},
    {"asn": 65536, "prefix": "2001:db8:400::/40", "maxLength": 44},
    {"asn": 0, "prefix": "2001:db8:500::/48", "maxLength": 48},
]


def test_a_matching_vrp_makes_the_prefix_valid():
    assert rpki_status.state("2001:db8:100::/48", 65536, VRPS) == ("valid", 1)


def test_a_covering_vrp_for_another_origin_makes_it_invalid():
    assert rpki_status.state("2001:db8:300::/48", 65536, VRPS) == ("invalid", 1)


def test_longer_than_the_max_length_is_invalid_even_for_the_right_origin():
    assert rpki_status.state("2001:db8:400::/48", 65536, VRPS) == ("invalid", 1)


def test_as0_never_matches():
    assert rpki_status.state("2001:db8:500::/48", 0, VRPS) == ("invalid", 1)


def test_no_covering_vrp_is_not_found_and_families_do_not_mix():
    assert rpki_status.state("2001:db8:600::/48", 65536, VRPS) == ("not_found", 0)
    assert rpki_status.state("192.0.2.0/24", 65536, VRPS) == ("not_found", 0)


def test_the_textfile_is_written_whole_with_one_series_per_prefix(tmp_path):
    src = tmp_path / "json"
    src.write_text(json.dumps({"metadata": {}, "roas": VRPS}))
    out = tmp_path / "rpki.prom"
    assert rpki_status.main(["rpki-status", str(src), str(out), "2001:db8:100::/48=65536",
                             "2001:db8:300::/48=65536"]) == 0
    text = out.read_text()
    assert 'personal_as_rpki_prefix_valid{prefix="2001:db8:100::/48",origin="65536",state="valid"} 1' in text
    assert 'personal_as_rpki_prefix_valid{prefix="2001:db8:300::/48",origin="65536",state="invalid"} 0' in text
    assert "personal_as_rpki_vrps 4" in text
    assert not (tmp_path / "rpki.prom.tmp").exists()


def test_each_covering_vrp_is_listed_once_for_the_status_page():
    vrps = [*VRPS, {"asn": 65536, "prefix": "2001:db8:100::/48", "maxLength": 48, "ta": "other"}]
    text = rpki_status.metrics(vrps, [("2001:db8:100::/48", 65536), ("2001:db8:600::/48", 65536)], 0)
    listed = [line for line in text.splitlines() if line.startswith("personal_as_rpki_prefix_vrp{")]
    assert listed == ['personal_as_rpki_prefix_vrp{prefix="2001:db8:100::/48",vrp_prefix="2001:db8:100::/48",'
                      'asn="65536",max_length="48"} 1']
