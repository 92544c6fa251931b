"""AcmeCa: the lab's ACME CA, Debian's pebble, on lab host `acme`, and the
lab's clients trusting its root.

pebble serves ACME on acme.lab:14000 with an HTTPS certificate from the lab
CA, validates HTTP-01 on port 80 across the routed lab, and keeps its
management API (the root it issues under) on acme's loopback.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi

from .config.acme import LAB_ACME_NAME
from .container_image import ContainerImage
from .host import Host
from .host_file import host_file
from .providers.acme_roots import TrustedRoots
from .providers.tls import LabCa, LabCertificate
from .render.acme import PEBBLE_CONF, PEBBLE_ETC, PEBBLE_MANAGEMENT, render_pebble_config
from .service import ServiceArgs, ServiceContainer

PEBBLE_CERT = f"{PEBBLE_ETC}/tls.crt"
PEBBLE_KEY = f"{PEBBLE_ETC}/tls.key"
PEBBLE_LAB_CA = f"{PEBBLE_ETC}/lab-ca.crt"
# pebble reads its config only at start.
PEBBLE_RESTART = "pkill -x pebble || true"
# pebble may still be starting when this first runs (or restarting).
FETCH_ROOT = (f"for i in $(seq 30); do curl -fsS --max-time 5 --cacert {PEBBLE_LAB_CA} "
              f"https://{PEBBLE_MANAGEMENT}/roots/0 && exit 0; sleep 1; done; exit 1")


@dataclass
class AcmeCaArgs:
    stack: str
    host: Host
    image: ContainerImage
    tls_ca: LabCa
    # Hosts whose clients (curl) check the certificates pebble issues.
    clients: list[Host] = field(default_factory=list)
    after: list[pulumi.Resource] = field(default_factory=list)


class AcmeCa(pulumi.ComponentResource):
    def __init__(self, name: str, args: AcmeCaArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("personal-as:acme:AcmeCa", name, None, opts)
        host = args.host
        ready = pulumi.ResourceOptions(parent=self, depends_on=[*host.ready, *args.after])
        self.cert = LabCertificate(f"{name}-tls", args.tls_ca, [LAB_ACME_NAME, "127.0.0.1"],
                                   opts=pulumi.ResourceOptions(parent=self))
        etc = {"remove_dirs": (PEBBLE_ETC,), "reload": PEBBLE_RESTART, "opts": ready}
        files = [
            host_file(f"{name}-config", host, PEBBLE_CONF, render_pebble_config(PEBBLE_CERT, PEBBLE_KEY), **etc),
            host_file(f"{name}-tls-key", host, PEBBLE_KEY, pulumi.Output.secret(self.cert.key_pem), mode="0600", **etc),
            host_file(f"{name}-tls-cert", host, PEBBLE_CERT, self.cert.cert_pem, **etc),
            host_file(f"{name}-lab-ca", host, PEBBLE_LAB_CA, args.tls_ca.cert_pem, **etc),
        ]
        self.service = ServiceContainer(f"{name}-pebble", ServiceArgs(
            stack=args.stack, host=host, service="pebble", image=args.image, mounts=[PEBBLE_ETC], after=files,
        ), opts=pulumi.ResourceOptions(parent=self))
        self.roots = TrustedRoots(
            f"{name}-trusted-roots", source=host.connection, fetch=FETCH_ROOT,
            targets=[c.connection for c in args.clients],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.service, *[r for c in args.clients for r in c.ready]]),
        )
        self.register_outputs({"container": self.service.container_name})
