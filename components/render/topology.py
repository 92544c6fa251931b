"""The stack's topology as Graphviz DOT, from its own plan: hosts (grouped
by AS), the links between them with their addresses, the BGP sessions, and
the RPKI chain (RIR -> LIR -> the user's CA -> validator -> RTR at transit).
Pure; the same function draws any stack (a prod stack has no lab plan, and
its upstreams stand outside as the ASes they are)."""

from __future__ import annotations

from ..config import StackConfig
from ..lab_plan import PEER_ASN, LabPlan

# Which AS (or role) each lab host belongs to, for the clusters.
_LAB_OWNER = {"gw": "transit", "transit": "transit", "peer": "peer", "client": "peer", "acme": "peer",
              "rir": "registry", "validator": "registry", "irr": "registry"}


def _q(text: str) -> str:
    """A DOT string; a label's line breaks are DOT's own \\n escapes."""
    return '"' + text.replace('"', "'") + '"'


def topology_dot(cfg: StackConfig, plan: LabPlan | None) -> str:
    up = cfg.upstreams[0]
    lines = ["digraph topology {", "  graph [rankdir=LR, fontname=Helvetica, label=" +
             _q(f"AS{cfg.asn}: {', '.join(cfg.prefixes)}") + "];",
             "  node [shape=box, fontname=Helvetica, fontsize=10];", "  edge [fontname=Helvetica, fontsize=8];"]
    owners: dict[str, list[str]] = {"user": ["vps", "home"]}
    if plan:
        for h in plan.hosts:
            if h not in owners["user"]:
                owners.setdefault(_LAB_OWNER.get(h, "other"), []).append(h)
    titles = {"user": f"AS{cfg.asn} (the user)", "transit": f"AS{up.public_asn} (transit)",
              "peer": f"AS{PEER_ASN} (peer)", "registry": "RIR and its services", "other": "other"}
    for owner, hosts in owners.items():
        lines.append(f"  subgraph cluster_{owner} {{ label={_q(titles[owner])};")
        lines += [f"    {_q(h)};" for h in hosts]
        lines.append("  }")
    if plan:
        for link in plan.links:
            label = "\\n".join(f"{e.host} {a}" for e in (link.a, link.b) for a in e.addresses)
            lines.append(f"  {_q(link.a.host)} -> {_q(link.b.host)} [dir=none, label={_q(label)}];")
    else:
        for u in cfg.upstreams:
            lines.append(f"  {_q(f'AS{u.asn}')} [shape=ellipse];")
    for u in cfg.upstreams:
        peer = "transit" if plan else f"AS{u.asn}"
        lines.append(f"  \"vps\" -> {_q(peer)} [style=bold, color=blue, label={_q(f'BGP {u.name}: AS{cfg.asn}-AS{u.asn}')}];")
    if plan:
        lines.append(f"  \"transit\" -> \"peer\" [style=bold, color=blue, label={_q(f'BGP AS{up.public_asn}-AS{PEER_ASN}')}];")
        # The RPKI chain, and ROV at transit.
        for a, b, what in (("rir", "home", "RIR/LIR -> the user's CA (RFC 8183)"),
                           ("home", "rir", "publishes to the repository"),
                           ("validator", "rir", "fetches the repository (RRDP)"),
                           ("validator", "transit", f"RTR :{8282} (ROV)")):
            lines.append(f"  {_q(a)} -> {_q(b)} [style=dashed, color=darkgreen, label={_q(what)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"
