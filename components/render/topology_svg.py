"""docs/topology-<stack>.svg: Graphviz's drawing of topology_dot, with the
DOT source kept in the SVG's <metadata> so a stale picture can be told.
Pure; `make topology` (scripts/draw_topology.py) runs Graphviz."""

from __future__ import annotations

import html
import re

SOURCE_RE = re.compile(r'<metadata id="personal-as-dot">(.*?)</metadata>', re.S)


def embed_source(svg: str, dot: str) -> str:
    """The SVG with `dot` in a metadata element, right after <svg ...>."""
    tag_end = svg.index(">", svg.index("<svg")) + 1
    return svg[:tag_end] + f'\n<metadata id="personal-as-dot">{html.escape(dot)}</metadata>' + svg[tag_end:]


def embedded_source(svg: str) -> str | None:
    m = SOURCE_RE.search(svg)
    return html.unescape(m.group(1)) if m else None
