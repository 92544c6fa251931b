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
        policy += [("mp-import", f"afi {afi} from AS{up.public_asn} accept {_accept(up.import_, afi)}"),
                   ("mp-export", f"afi {afi} to AS{up.public_asn} announce {announce}")]
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


MAINTAINER_CLASSES = ("mntner", "person", "role")


def maintainer_objects(cfg: StackConfig, mntner_auth: str) -> list[str]:
    """The maintainer and its contacts: what a registry creates first, and
    only by hand (or, in the lab, by the stack as the registry's operator)."""
    return [render_object(o) for o in rpsl_objects(cfg, mntner_auth) if o[0][0] in MAINTAINER_CLASSES]


def routing_objects(cfg: StackConfig) -> list[str]:
    """The aut-num, the as-set and the route objects: the maintainer's own."""
    return [render_object(o) for o in rpsl_objects(cfg, "") if o[0][0] not in MAINTAINER_CLASSES]


# The lab registry's own side, as the RIR keeps it: its maintainer and
# contact, the documentation /32 it allocated, and the user's assignment.
LAB_RIR_MNT = "LAB-RIR-MNT"
LAB_RIR_HDL = "LR1-LAB"
LAB_RIR_BLOCK = "2001:db8::/32"


def lab_registry_objects(source: str, rir_auth: str) -> list[str]:
    src = [("source", source)]
    return [render_object(o) for o in (
        [("mntner", LAB_RIR_MNT), ("admin-c", LAB_RIR_HDL), ("upd-to", "hostmaster@rir.lab"), ("auth", rir_auth),
         ("mnt-by", LAB_RIR_MNT), *src],
        [("person", "Lab Registry Hostmaster"), ("address", "The lab RIR"), ("phone", "+1 555 0199"),
         ("e-mail", "hostmaster@rir.lab"), ("nic-hdl", LAB_RIR_HDL), ("mnt-by", LAB_RIR_MNT), *src],
        [("inet6num", LAB_RIR_BLOCK), ("netname", "LAB-DOCUMENTATION"), ("country", "ZZ"),
         ("admin-c", LAB_RIR_HDL), ("tech-c", LAB_RIR_HDL), ("status", "ALLOCATED-BY-RIR"),
         ("mnt-by", LAB_RIR_MNT), *src],
    )]


def lab_assignment_objects(cfg: StackConfig) -> list[str]:
    """The user's IPv6 prefixes as the RIR assigned them: maintained by the
    RIR and by the user, so the user's own maintainer authorises its route6
    objects, as a RIPE PI assignment does."""
    irr = cfg.irr
    assert irr is not None
    return [render_object([
        ("inet6num", str(net)), ("netname", irr.as_name), ("country", "ZZ"), ("admin-c", irr.admin.nic_hdl),
        ("tech-c", irr.tech_contact.nic_hdl), ("status", "ASSIGNED PI"), ("mnt-by", LAB_RIR_MNT),
        ("mnt-by", irr.maintainer.name), ("source", irr.source)]) for net in cfg.networks if net.version == 6]
