"""The topology picture is drawn from the stack's own plan: the committed
docs/topology-lab.svg carries the DOT source it was drawn from, and that
must be what the lab plan gives today (else: `make topology`)."""

from __future__ import annotations

from pathlib import Path

from components.config import validate
from components.lab_plan import plan
from components.render.topology import topology_dot
from components.render.topology_svg import embed_source, embedded_source
from tests.unit.test_config import LAB_RAW, LAB_SECRETS, PROD_RAW, PROD_SECRETS

PICTURE = Path(__file__).resolve().parents[2] / "docs" / "topology-lab.svg"


def test_the_committed_lab_picture_is_drawn_from_todays_lab_plan():
    cfg = validate(LAB_RAW, LAB_SECRETS)
    drawn_from = embedded_source(PICTURE.read_text())
    assert drawn_from is not None, f"{PICTURE} carries no DOT source: run make topology"
    assert drawn_from == topology_dot(cfg, plan(cfg)), "docs/topology-lab.svg is stale: run make topology"


def test_the_lab_picture_has_every_host_link_session_and_the_rpki_chain():
    cfg = validate(LAB_RAW, LAB_SECRETS)
    lab = plan(cfg)
    dot = topology_dot(cfg, lab)
    assert all(f'"{h}";' in dot for h in lab.hosts)
    for link in lab.links:
        assert f'"{link.a.host}" -> "{link.b.host}" [dir=none' in dot
        assert all(a in dot for end in (link.a, link.b) for a in end.addresses)
    assert '"vps" -> "transit" [style=bold' in dot and "AS65536-AS64496" in dot
    assert '"validator" -> "transit"' in dot and "RTR" in dot and '"rir" -> "home"' in dot


def test_a_prod_stack_draws_its_upstreams_as_the_ases_outside():
    cfg = validate(PROD_RAW, PROD_SECRETS, check_files=False, placeholders_ok=True)
    dot = topology_dot(cfg, None)
    assert '"vps" -> "AS53667" [style=bold' in dot and '"AS53667" [shape=ellipse];' in dot
    assert '"rir"' not in dot


def test_the_source_survives_the_svg_round_trip_with_markup_in_it():
    dot = 'digraph { a -> b [label="<&> \\"x\\""]; }\n'
    assert embedded_source(embed_source('<?xml version="1.0"?>\n<svg width="1"><g/></svg>', dot)) == dot
