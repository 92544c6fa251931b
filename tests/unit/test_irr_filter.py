"""Transit's filter job (images/irr-filter/irr-filter.sh), run against a
stand-in bgpq4 and the real `bird -p`: it writes bgpq4's list where
bird.conf includes it, an empty set when the registry has no route object,
reloads BIRD only when a list changed, and keeps the last good list when
the registry cannot be reached or bgpq4 prints something else."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from components.render.irr_filter import empty_list_file, filter_job_env, irr_lists

JOB = Path(__file__).resolve().parents[2] / "images/irr-filter/irr-filter.sh"
LISTED = "IRR_AS65536_V6 = [\n    2001:db8:100::/48\n];"

# bgpq4 prints what $FAKE_DIR/<afi> holds (nothing if absent), or fails;
# under the name -l gives, and with -R N each prefix as bgpq4 writes it,
# prefix{len,N}.
FAKE_BGPQ4 = r'''#!/bin/sh
echo "$*" >> "$FAKE_DIR/calls"
afi=""; name=""; upto=""; prev=""
for a in "$@"; do
  case "$prev" in -l) name=$a;; -R) upto=$a;; esac
  case "$a" in -4|-6) afi=${a#-};; esac
  prev=$a
done
[ -f "$FAKE_DIR/down" ] && { echo "Connection refused" >&2; exit 1; }
[ -f "$FAKE_DIR/$afi" ] || exit 0
if [ -n "$upto" ]; then
  sed -e "1s/^[A-Z0-9_]* =/$name =/" -e "s|^\( *[0-9a-f:.]*/\)\([0-9]*\)$|\1\2{\2,$upto}|" "$FAKE_DIR/$afi"
else
  sed -e "1s/^[A-Z0-9_]* =/$name =/" "$FAKE_DIR/$afi"
fi
'''
FAKE_BIRDC = '#!/bin/sh\necho "$*" >> "$FAKE_DIR/birdc"\necho "Reconfigured"\n'
# The job's sleep ends the run after one pass.
FAKE_SLEEP = '#!/bin/sh\nkill -TERM $PPID\n'


@pytest.fixture
def job(tmp_path):
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    for name, text in (("bgpq4", FAKE_BGPQ4), ("birdc", FAKE_BIRDC), ("sleep", FAKE_SLEEP)):
        (bin_ / name).write_text(text)
        (bin_ / name).chmod(0o755)
    irr = tmp_path / "irr"
    irr.mkdir()
    lists = irr_lists(65536, None)
    for lst in lists:
        (irr / Path(lst.file).name).write_text(empty_list_file(lst, "LAB"))
    conf = tmp_path / "bird.conf"
    conf.write_text("router id 192.0.2.1;\n" + "".join(f'include "{irr / Path(lst.file).name}";\n' for lst in lists)
                    + "filter customer { if net !~ IRR_AS65536_V6 then reject; accept; }\nprotocol device {}\n")
    socket = tmp_path / "bird.ctl"
    subprocess.run(["python3", "-c", f"import socket; socket.socket(socket.AF_UNIX).bind('{socket}')"], check=True)
    env = {**os.environ, **filter_job_env(lists, "irr.lab", "LAB", str(socket), str(conf)),
           "IRR_DIR": str(irr), "FAKE_DIR": str(tmp_path), "PATH": f"{bin_}:{os.environ['PATH']}"}

    def run_once() -> str:
        subprocess.run(["sh", str(JOB)], env=env, capture_output=True, text=True, timeout=60)
        return (irr / "status").read_text()
    return tmp_path, irr, run_once


@pytest.fixture
def loaded(job):
    """The job after one pass that loaded the registry's list (one reload)."""
    tmp_path, irr, run_once = job
    (tmp_path / "6").write_text(LISTED + "\n")
    run_once()
    return job


def reloads(tmp_path: Path) -> int:
    f = tmp_path / "birdc"
    return len(f.read_text().splitlines()) if f.exists() else 0


def test_the_registrys_list_is_written_checked_and_loaded_once(job):
    tmp_path, irr, run_once = job
    (tmp_path / "6").write_text(LISTED + "\n")
    assert run_once().startswith("ok ")
    assert "define " + LISTED in (irr / "IRR_AS65536_V6.conf").read_text()
    assert "define IRR_AS65536_V4 = [];" in (irr / "IRR_AS65536_V4.conf").read_text()
    assert reloads(tmp_path) == 1
    calls = (tmp_path / "calls").read_text()
    assert "-h irr.lab -S LAB -6 -b -l IRR_AS65536_V6 AS65536" in calls
    # The blackhole list: the same prefixes with their more-specifics, which
    # bird -p accepted as a prefix set.
    assert "-6 -R 128 -b -l IRR_AS65536_V6_MORE AS65536" in calls
    assert "2001:db8:100::/48{48,128}" in (irr / "IRR_AS65536_V6_MORE.conf").read_text()
    run_once()
    assert reloads(tmp_path) == 1, "an unchanged list reloads nothing"


def test_no_route_object_means_an_empty_list_that_bird_accepts(loaded):
    tmp_path, irr, run_once = loaded
    (tmp_path / "6").unlink()
    assert run_once().startswith("ok ")
    assert "define IRR_AS65536_V6 = [];" in (irr / "IRR_AS65536_V6.conf").read_text()
    assert reloads(tmp_path) == 2


def test_an_unreachable_registry_keeps_the_last_list(loaded):
    tmp_path, irr, run_once = loaded
    (tmp_path / "down").touch()
    assert run_once().startswith("failed ")
    assert "2001:db8:100::/48" in (irr / "IRR_AS65536_V6.conf").read_text()


def test_output_that_is_not_a_prefix_set_is_refused_and_the_last_list_stays(loaded):
    tmp_path, irr, run_once = loaded
    (tmp_path / "6").write_text("IRR_AS65536_V6 = [\n  2001:db8::/32\n];\nprotocol static x {}\n")
    assert run_once().startswith("failed ")
    assert "2001:db8:100::/48" in (irr / "IRR_AS65536_V6.conf").read_text()
    assert reloads(tmp_path) == 1


def test_a_list_bird_refuses_is_put_back(loaded):
    tmp_path, irr, run_once = loaded
    # A v4 prefix in the v6 list: the shape is a prefix set, but bird -p refuses the mix.
    (tmp_path / "6").write_text("IRR_AS65536_V6 = [\n    2001:db8:100::/48,\n    192.0.2.0/24\n];\n")
    assert run_once().startswith("failed ")
    assert "192.0.2.0" not in (irr / "IRR_AS65536_V6.conf").read_text()
    assert reloads(tmp_path) == 1
