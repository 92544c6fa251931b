"""HostNetwork: a host's addresses, routes, sysctls, prefix interface and
firewall, provisioned over SSH by the same code for lab and prod hosts."""

from __future__ import annotations

import pulumi

from .host import Host
from .providers.remote_command import RemoteCommand
from .render.host_network import HostNetwork as HostNetworkSpec
from .render.host_network import render_host_network, render_host_network_check, render_host_network_undo


class HostNetwork(pulumi.ComponentResource):
    def __init__(self, name: str, host: Host, spec: HostNetworkSpec, after: list[pulumi.Resource] | None = None,
                 links: list | None = None, opts: pulumi.ResourceOptions | None = None):
        super().__init__("personal-as:net:HostNetwork", name, None, opts)
        self.script = render_host_network(spec)
        # A re-made cable of this host's comes up down and bare: provision again.
        mine = [link for link in (links or []) if link.touches(spec.host)]
        # Drift is probed at every preview (the provider's diff runs the check
        # script): a flushed rule or a removed address is a diff, and up
        # re-applies. Destroy runs the undo script.
        self.command = RemoteCommand(
            f"{name}-provision", connection=host.connection, create=self.script,
            delete=render_host_network_undo(spec), drift_check=render_host_network_check(spec),
            triggers=[link.serial for link in mine],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*host.ready, *(after or []), *mine]),
        )
        self.register_outputs({})
