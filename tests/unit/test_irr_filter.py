"""Transit's IRR prefix list from bgpq4's output: what bgpq4 prints, and
what it prints for an AS with no route object, both parse in BIRD."""

from __future__ import annotations

import subprocess

import pytest

from components.render.irr_filter import bgpq4_command, irr_set_from_bgpq4

BGPQ4_OUTPUT = "IRR_AS65536_V6 = [\n    2001:db8:100::/48\n];\n"


@pytest.mark.parametrize("output", [BGPQ4_OUTPUT, ""], ids=["route-objects", "none"])
def test_the_include_file_parses_in_bird_and_filters(output, tmp_path):
    inc = tmp_path / "IRR_AS65536_V6.conf"
    inc.write_text(irr_set_from_bgpq4(65536, 6, output))
    conf = tmp_path / "bird.conf"
    conf.write_text(f'router id 192.0.2.1;\ninclude "{inc}";\n'
                    "filter f { if net ~ IRR_AS65536_V6 then accept; reject; }\nprotocol device {}\n")
    res = subprocess.run(["bird", "-p", "-c", str(conf)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr


def test_anything_but_a_prefix_set_is_refused():
    with pytest.raises(ValueError, match="other than a prefix set"):
        irr_set_from_bgpq4(65536, 6, 'IRR_AS65536_V6 = [ 2001:db8::/32 ];\nprotocol static x { }')


def test_bgpq4_asks_the_registry_for_the_as_or_its_as_set():
    assert bgpq4_command(65536, 6, "irr.lab", "LAB") == [
        "bgpq4", "-h", "irr.lab", "-S", "LAB", "-6", "-b", "-l", "IRR_AS65536_V6", "AS65536"]
    assert bgpq4_command(65536, 6, "irr.lab", "LAB", "AS65536:AS-PERSONAL")[-1] == "AS65536:AS-PERSONAL"
