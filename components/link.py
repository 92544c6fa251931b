"""Link: a cable between two lab hosts, as a veth pair."""

from __future__ import annotations

import pulumi

from .host import LabHost
from .lab_plan import Link as LinkPlan
from .providers.link import Veth


class Link(pulumi.ComponentResource):
    def __init__(self, name: str, plan: LinkPlan, a: LabHost, b: LabHost, opts: pulumi.ResourceOptions | None = None):
        super().__init__("personal-as:net:Link", name, None, opts)
        self.veth = Veth(
            f"{name}-veth", a=a.container_name, a_if=plan.a.ifname, b=b.container_name, b_if=plan.b.ifname,
            a_container_id=a.container.container_id, b_container_id=b.container.container_id,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[a.container, b.container]),
        )
        self.plan = plan
        self.serial = self.veth.serial
        self.register_outputs({})

    def touches(self, host: str) -> bool:
        return host in (self.plan.a.host, self.plan.b.host)
