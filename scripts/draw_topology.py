"""Draw a stack's topology (scripts/topology.sh runs this): the stack file's
config, its lab plan, Graphviz's SVG with the DOT source inside it.
    python scripts/draw_topology.py <stack file> <out.svg>"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from components.config import validate  # noqa: E402
from components.lab_plan import plan  # noqa: E402
from components.render.topology import topology_dot  # noqa: E402
from components.render.topology_svg import embed_source  # noqa: E402
from components.status_page import draw_svg  # noqa: E402
from tests.stack_files import load_stack_file  # noqa: E402


def main(stack_file: str, out: str) -> None:
    raw, secrets = load_stack_file(Path(stack_file))
    cfg = validate(raw, secrets, check_files=False)
    dot = topology_dot(cfg, plan(cfg) if cfg.faces_lab else None)
    Path(out).write_text(embed_source(draw_svg(dot), dot))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
