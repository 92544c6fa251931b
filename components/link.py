"""Link: a cable between two lab hosts (a veth pair), or between a lab host
and a real machine of a lab world (a veth into the bridge its NIC is on)."""

from __future__ import annotations

import pulumi

from . import naming
from .host import Host, LabHost
from .lab_plan import Link as LinkPlan
from .providers.link import GuestCable, Veth


class Link(pulumi.ComponentResource):
    def __init__(self, name: str, stack: str, plan: LinkPlan, a: Host, b: Host, bridges: dict[str, str],
                 opts: pulumi.ResourceOptions | None = None):
        """`bridges`: for each real machine in the world, the bridge its lab NIC sits on."""
        super().__init__("personal-as:net:Link", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, depends_on=[h.container for h in (a, b) if isinstance(h, LabHost)])
        if isinstance(a, LabHost) and isinstance(b, LabHost):
            cable = Veth(
                f"{name}-veth", a=a.container_name, a_if=plan.a.ifname, b=b.container_name, b_if=plan.b.ifname,
                a_container_id=a.container.container_id, b_container_id=b.container.container_id, opts=child,
            )
        else:
            lab, lab_end, guest = (a, plan.a, b) if isinstance(a, LabHost) else (b, plan.b, a)
            if not isinstance(lab, LabHost):
                raise ValueError(f"link {plan.name}: two real machines cannot be cabled by the lab")
            cable = GuestCable(
                f"{name}-cable", container=lab.container_name, container_id=lab.container.container_id,
                inner_if=lab_end.ifname, bridge=bridges[guest.name],
                outer_if=naming.cable_port(stack, lab.name, guest.name), opts=child,
            )
        self.plan = plan
        self.serial = cable.serial
        self.register_outputs({})

    def touches(self, host: str) -> bool:
        return host in (self.plan.a.host, self.plan.b.host)
