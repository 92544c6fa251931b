"""LabWorld: everything around the user that the lab makes real on one
machine: the provider's router (gw), the transit AS, its peer AS and a
client, cabled together and running real BIRD."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi

from . import naming
from .bird_router import BIRD_CONF, BIRD_SOCKET, BirdRouter, BirdRouterArgs
from .config import StackConfig
from .container_image import ContainerImage
from .host import Host, LabHost, LabHostArgs
from .host_network import HostNetwork
from .config.world import LAB_PEER_LINK_VPS, LAB_PEER_NEIGHBOR
from .lab_plan import ACME_NET, IRR_NAME, MGMT_IF, PEER_ASN, LabPlan, second_upstream
from .link import Link
from .providers.link import MgmtBridge
from .providers.remote_command import RemoteCommand
from .providers.secrets import SshKeyPair
from .render.irr_filter import IRR_DIR, filter_job_env, irr_lists, lists_present_check, seed_lists_script
from .render.lab_bird import Route, RtrServer, Session, render_gw_ra_conf, render_peer_conf, render_transit_conf
from .render.host_network import HostNetwork as HostNetworkSpec
from .service import ServiceArgs, ServiceContainer

SHARED_PATHS = {
    "vps": {"/etc/bird": "bird-etc", "/run/bird": "bird-run", "/etc/nginx/personal-as": "nginx-etc",
            "/run/nginx": "nginx-run", "/srv/route0": "www", "/etc/nginx/tls": "tls",
            "/etc/personal-as/acme": "acme-etc", "/var/lib/personal-as/acme": "acme-data", "/var/www/acme": "acme-www",
            "/run/personal-as-acme": "acme-run", "/var/lib/personal-as/backup": "backup-repo"},
    "gw": {"/etc/bird": "bird-etc", "/run/bird": "bird-run"},
    "transit": {"/etc/bird": "bird-etc", "/run/bird": "bird-run"},
    "peer": {"/etc/bird": "bird-etc", "/run/bird": "bird-run"},
    "home": {"/etc/krill": "krill-etc", "/var/lib/krill": "krill-data", "/etc/nginx/personal-as": "nginx-etc",
             "/run/nginx": "nginx-run", "/etc/nginx/tls": "tls", "/etc/personal-as/acme": "acme-etc",
             "/var/lib/personal-as/acme": "acme-data", "/var/www/acme": "acme-www",
             "/run/personal-as-acme": "acme-run", "/etc/personal-as/metrics": "metrics-etc", "/var/lib/personal-as/prometheus": "prometheus-data",
             "/var/lib/personal-as/alertmanager": "alertmanager-data",
             "/var/lib/personal-as/metrics-textfile": "metrics-textfile",
             "/var/cache/personal-as/rpki-client": "rpki-cache", "/var/lib/personal-as/rpki-client": "rpki-out",
             "/var/lib/personal-as/backup": "backup-work", "/etc/personal-as/backup": "backup-etc",
             "/var/lib/personal-as/backup-metrics": "backup-metrics"},
    # The lab's alert receiver keeps what it was sent.
    "client": {"/var/lib/personal-as/alerts": "alerts"},
    "rir": {"/etc/krill": "krill-etc", "/var/lib/krill": "krill-data"},
    "validator": {"/etc/personal-as": "validator-etc", "/var/lib/rpki-client": "vrps"},
    "acme": {"/etc/pebble": "pebble-etc"},
    "irr": {"/etc/irrd": "irrd-etc", "/var/lib/postgresql": "postgres-data", "/run/irrd": "irrd-run"},
}


@dataclass
class LabWorldArgs:
    stack: str
    cfg: StackConfig
    plan: LabPlan
    host_image: ContainerImage
    bird_image: ContainerImage
    passwords: dict[str, pulumi.Output]
    # The user's real machines in this world (kind: ssh), and for each the
    # machine bridge its lab NIC sits on (hosts.<name>.lab_cable).
    guests: dict[str, Host] = field(default_factory=dict)
    cables: dict[str, str] = field(default_factory=dict)
    # Transit's filter job (bgpq4), where the stack has registry objects.
    irr_filter_image: ContainerImage | None = None


class LabWorld(pulumi.ComponentResource):
    """Lab hosts (every host of the plan that is not a real machine of the
    user's), the links between all of them, and the other ASes."""

    def __init__(self, name: str, args: LabWorldArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("personal-as:lab:LabWorld", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        stack, plan, cfg = args.stack, args.plan, args.cfg
        self.ssh_key = SshKeyPair(f"{name}-ssh-key", comment=f"personal-as-{stack}", opts=child)
        self.mgmt = MgmtBridge(f"{name}-mgmt", bridge=naming.mgmt_bridge(stack), address=plan.mgmt_gateway, opts=child)
        self.hosts: dict[str, Host] = {
            h: LabHost(h, LabHostArgs(
                stack=stack, host=h, image=args.host_image, ssh_key=self.ssh_key,
                host_key=SshKeyPair(f"{h}-host-key", comment=f"{h}.{stack}", opts=child),
                mgmt_bridge=self.mgmt, mgmt_address=plan.mgmt_addresses[h], shared_paths=SHARED_PATHS.get(h, {}),
                extra_hosts=plan.names.get(h, {}),
            ), opts=child)
            for h in plan.hosts if h not in args.guests
        }
        every = {**self.hosts, **args.guests}
        self.links = [
            Link(f"link-{lp.name}", stack, lp, every[lp.a.host], every[lp.b.host], args.cables, opts=child)
            for lp in plan.links
        ]
        # The world's hosts: addresses, routes, forwarding. vps and home are
        # provisioned by the user-facing components, as on prod.
        self.networks = {
            h: HostNetwork(f"{h}-network", self.hosts[h], HostNetworkSpec(
                host=h, router=h in plan.routers, addresses=tuple(plan.addresses_of(h)),
                routes=plan.routes.get(h, ()), mgmt_if=MGMT_IF,
            ), links=self.links, opts=child)
            for h in ("gw", "transit", "peer", "client", "rir", "validator", "acme", "irr") if h in plan.hosts
        }
        up = cfg.upstreams[0]
        customer = Session(
            name=f"customer_as{cfg.asn}", asn=cfg.asn, local=up.neighbor,
            neighbor=up.source or (plan.vps_link6 if up.neighbor_ip.version == 6
                                   else _address(plan, "vps", "eth-gw", 4)),
            multihop=up.multihop or 2, hold_time=up.hold_time, password=None,
            # Over IPv4, the IPv6 next hop the customer resolves; over IPv6,
            # the session's own address is it.
            next_hop6=None if up.neighbor_ip.version == 6 else _address(plan, "transit", "eth-gw", 6),
            # transit's side mirrors what the user asked of it, as a provider
            # configures its end of a customer's session to match.
            role=OTHER_ROLE.get(up.role), bfd=up.bfd, blackhole=up.blackhole,
            # A provider with a private session ASN (path_asn set): transit
            # is AS path_asn to the world and speaks up.asn to its customer.
            local_asn=up.asn if up.asn != up.public_asn else None,
        )
        vps6_net = [a for i, a in plan.addresses_of("vps") if ":" in a][0]
        # With registry objects, transit filters its customer by them, as a
        # real transit does: bgpq4's lists, which exist before BIRD starts.
        lists = irr_lists(cfg.asn, cfg.irr.as_set) if cfg.irr else []
        transit_after: list[pulumi.Resource] = [self.networks["transit"]]
        if cfg.irr:
            transit_after.append(RemoteCommand(
                "transit-irr-lists", connection=self.hosts["transit"].connection,
                create=seed_lists_script(lists, cfg.irr.source), drift_check=lists_present_check(lists),
                delete=f"rm -rf {IRR_DIR}", opts=pulumi.ResourceOptions(
                    parent=self, depends_on=[*self.hosts["transit"].ready, self.networks["transit"]])))
        transit_conf = args.passwords.get(up.name, pulumi.Output.from_input(None)).apply(
            lambda pw: render_transit_conf(
                asn=up.public_asn, router_id=_address(plan, "transit", "eth-gw", 4),
                customer=Session(**{**customer.__dict__, "password": pw}), customer_prefixes=list(cfg.prefixes),
                nexthop_routes=[Route(_network(vps6_net), _address(plan, "gw", "eth-transit", 6))],
                peer=Session(name="peer", asn=PEER_ASN, local="2001:db8:ffff:3::1", neighbor="2001:db8:ffff:3::2"),
                rtr=RtrServer(plan.rtr_address), irr_lists=lists,
            )
        )
        self.transit = BirdRouter("transit-router", BirdRouterArgs(
            stack=stack, host=self.hosts["transit"], image=args.bird_image, config=transit_conf,
            verify_sessions=[], after=transit_after, reconfigured_by_others=bool(cfg.irr),
        ), opts=child)
        if "vps" not in args.guests:
            # gw advertises itself to vps, as many VPS providers' routers do:
            # vps's IPv6 default route then comes from RAs too, and must
            # outlive vps turning forwarding on. A lab vps only: a guest's
            # lab NIC is systemd-networkd's, which takes RAs by its own rules.
            self.gw_router = BirdRouter("gw-router", BirdRouterArgs(
                stack=stack, host=self.hosts["gw"], image=args.bird_image,
                config=render_gw_ra_conf(_address(plan, "gw", "eth-vps", 4), "eth-vps"),
                verify_sessions=[], after=[self.networks["gw"]],
            ), opts=child)
        if cfg.irr and args.irr_filter_image:
            ServiceContainer("transit-irr-filter", ServiceArgs(
                stack=stack, host=self.hosts["transit"], service="irr-filter", image=args.irr_filter_image,
                mounts=["/etc/bird", "/run/bird"],
                env=filter_job_env(lists, IRR_NAME, cfg.irr.source, BIRD_SOCKET, BIRD_CONF),
                after=[self.transit.service.container],
            ), opts=child)
        second = second_upstream(cfg)
        peer_customer = None if second is None else Session(
            name=f"customer_as{cfg.asn}", asn=cfg.asn, local=LAB_PEER_NEIGHBOR, neighbor=LAB_PEER_LINK_VPS,
            hold_time=second.hold_time, role=OTHER_ROLE.get(second.role), bfd=second.bfd,
        )
        peer_conf = (args.passwords.get(second.name) if second else None) or pulumi.Output.from_input(None)
        self.peer = BirdRouter("peer-router", BirdRouterArgs(
            stack=stack, host=self.hosts["peer"], image=args.bird_image,
            config=peer_conf.apply(lambda pw: render_peer_conf(
                asn=PEER_ASN, router_id="198.51.100.10", own_prefixes=["2001:db8:ffff:4::/64", ACME_NET],
                upstream=Session(name="transit", asn=up.public_asn, local="2001:db8:ffff:3::2",
                                 neighbor="2001:db8:ffff:3::1"),
                customer=Session(**{**peer_customer.__dict__, "password": pw}) if peer_customer else None,
                customer_prefixes=list(cfg.prefixes),
            )),
            verify_sessions=[], after=[self.networks["peer"]],
        ), opts=child)
        self.register_outputs({})


# RFC 9234's pairs: what the other end of a session must say.
OTHER_ROLE = {"customer": "provider", "provider": "customer", "peer": "peer",
              "rs_client": "rs_server", "rs_server": "rs_client"}


def _address(plan: LabPlan, host: str, ifname: str, version: int) -> str:
    """The address (without length) of one interface of a lab host."""
    for i, a in plan.addresses_of(host):
        if i == ifname and (":" in a) == (version == 6):
            return a.split("/")[0]
    raise KeyError(f"{host} has no IPv{version} address on {ifname}")


def _network(address_with_len: str) -> str:
    import ipaddress

    return str(ipaddress.ip_interface(address_with_len).network)
