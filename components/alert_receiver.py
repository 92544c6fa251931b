"""The lab's operator: a webhook receiver on lab host client that records
every notification Alertmanager delivers (images/metrics/alert-receiver.py),
so the lab tier reads what arrived and when."""

from __future__ import annotations

import pulumi

from .container_image import ContainerImage
from .host import Host
from .service import ServiceArgs, ServiceContainer

RECEIVER_ADDRESS = "2001:db8:ffff:4::2"  # client's address on its link to peer
RECEIVER_PORT = 9099
RECEIVED_DIR = "/var/lib/personal-as/alerts"
RECEIVED_FILE = f"{RECEIVED_DIR}/received.jsonl"


class AlertReceiver(pulumi.ComponentResource):
    def __init__(self, name: str, host: Host, image: ContainerImage, stack: str, after: list[pulumi.Resource]):
        super().__init__("personal-as:lab:AlertReceiver", name, None, None)
        self.url = f"http://[{RECEIVER_ADDRESS}]:{RECEIVER_PORT}/alerts"
        self.service = ServiceContainer(f"{name}-service", ServiceArgs(
            stack=stack, host=host, service="alert-receiver", image=image, mounts=[RECEIVED_DIR],
            command=["alert-receiver", RECEIVER_ADDRESS, str(RECEIVER_PORT), RECEIVED_FILE],
            after=after), opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({"url": self.url})
