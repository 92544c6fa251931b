"""RPSL: the user's objects for a routing registry, rendered from the
stack config. Pure; the maintainer's password arrives already hashed (the
stack hashes it once and keeps the hash, so a no-op preview stays one)."""

from __future__ import annotations

from ..config import StackConfig
from ..config.irr import Contact
from .env import render

ATTR_WIDTH = 16  # RIPE's column for values


def _afi(cfg: StackConfig) -> str:
    families = {n.version for n in cfg.networks}
    return "any.unicast" if families == {4, 6} else ("ipv6.unicast" if families == {6} else "ipv4.unicast")


def _accept(import_: str, afi: str) -> str:
    """RPSL for what `upstreams[].import` takes from that upstream."""
    if import_ == "full":
        return "ANY"
    if import_ == "default":
        return {"ipv6.unicast": "{::/0}", "ipv4.unicast": "{0.0.0.0/0}"}.get(afi, "{0.0.0.0/0, ::/0}")
    return "NOT ANY"


def rpsl_objects(cfg: StackConfig, mntner_auth: str) -> list[list[tuple[str, str]]]:
    """Each object as its (attribute, value) lines, in the seed's order:
    maintainer and contacts first, then the aut-num, the as-set, the routes."""
    irr = cfg.irr
    assert irr is not None
    mnt, src = irr.maintainer.name, irr.source
    admin, tech = irr.admin, irr.tech_contact

    def contact(c: Contact) -> list[tuple[str, str]]:
        return [(c.kind, c.name), *[("address", line) for line in c.address], ("phone", c.phone),
                ("e-mail", c.email), ("nic-hdl", c.nic_hdl), ("mnt-by", mnt), ("source", src)]

    contacts = [contact(admin)] + ([contact(tech)] if tech.nic_hdl != admin.nic_hdl else [])
    refs = [("admin-c", admin.nic_hdl), ("tech-c", tech.nic_hdl)]
    afi = _afi(cfg)
    announce = irr.as_set or f"AS{cfg.asn}"
    policy = []
    for up in cfg.upstreams:
        policy += [("mp-import", f"afi {afi} from AS{up.asn} accept {_accept(up.import_, afi)}"),
                   ("mp-export", f"afi {afi} to AS{up.asn} announce {announce}")]
    objects = [
        [("mntner", mnt), ("admin-c", admin.nic_hdl), ("upd-to", irr.maintainer.upd_to), ("auth", mntner_auth),
         ("mnt-by", mnt), ("source", src)],
        *contacts,
        [("aut-num", f"AS{cfg.asn}"), ("as-name", irr.as_name), *policy, *refs, ("mnt-by", mnt), ("source", src)],
    ]
    if irr.as_set:
        objects.append([("as-set", irr.as_set), ("members", f"AS{cfg.asn}"), *refs, ("mnt-by", mnt),
                        ("source", src)])
    for net in cfg.networks:
        objects.append([("route6" if net.version == 6 else "route", str(net)), ("origin", f"AS{cfg.asn}"),
                        ("mnt-by", mnt), ("source", src)])
    return objects


def render_object(lines: list[tuple[str, str]]) -> str:
    return render("rpsl-object.j2", lines=lines, width=ATTR_WIDTH)


def render_irr_objects(cfg: StackConfig, mntner_auth: str) -> str:
    """The `irr_objects` output: one object per block, a blank line between,
    no comment lines: pasteable into the RIPE web UI as it is."""
    return "\n".join(render_object(o) for o in rpsl_objects(cfg, mntner_auth))
