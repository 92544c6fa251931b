"""A daemon that cannot start is a failed `up`, not a quiet crash loop.

The stack's own nginx image is started by the stack's own container
provider while another nginx already holds its port in the same network
namespace: nginx exits, Docker restarts it, and the provider fails the
create with the container's name and nginx's own last words. The same
container, left crash-looping, is drift: its diff asks for it again.
"""

from __future__ import annotations

import subprocess

import pytest

from components import naming
from components.providers.container import _ContainerProvider
from tests.infra.bird import wait_until
from tests.infra.stack import STACK
from tests.lab.conftest import docker_lines

PORT = 8099
CONF = f"""error_log stderr;
pid /tmp/nginx.pid;
events {{}}
http {{ access_log off; server {{ listen 127.0.0.1:{PORT}; return 204; }} }}
"""
SQUATTER = f"{STACK}-crash-squatter"
VICTIM = f"{STACK}-crash-victim"


def nginx_image() -> str:
    tags = [t for t in docker_lines("images", "--filter", f"label=personal-as.stack={STACK}",
                                    "--format", "{{.Repository}}:{{.Tag}}") if t.startswith("personal-as/nginx:")]
    assert tags, f"no nginx image of stack {STACK}: is the lab up?"
    return tags[0]


def props(name: str, image: str, network_mode: str) -> dict:
    return {"name": name, "image": image, "network_mode": network_mode, "labels": naming.labels(STACK, "test"),
            "restart": "unless-stopped", "files": {"/etc/nginx/personal-as/nginx.conf": {"content": CONF}},
            "engine": None}


@pytest.fixture
def squatter(lab_is_up):
    """Another nginx on the port, in a network namespace of its own."""
    image = nginx_image()
    provider = _ContainerProvider()
    made = provider.create(props(SQUATTER, image, "none"))
    yield image, made.id
    subprocess.run(["docker", "rm", "-f", SQUATTER, VICTIM], capture_output=True)


def test_a_daemon_whose_port_is_taken_fails_the_create_with_its_name_and_its_log(squatter):
    image, squatter_id = squatter
    provider = _ContainerProvider()
    victim = props(VICTIM, image, f"container:{squatter_id}")
    with pytest.raises(RuntimeError) as err:
        provider.create(victim)
    message = str(err.value)
    assert message.startswith(f"container {VICTIM} is "), message
    assert "Address already in use" in message, message

    # Left as it is (crash-looping), it is drift: the diff asks for it again
    # (polled: between Docker's restarts it is "running" for a moment).
    victim_id = docker_lines("inspect", "-f", "{{.Id}}", VICTIM)[0]
    assert int(docker_lines("inspect", "-f", "{{.RestartCount}}", VICTIM)[0]) >= 1

    def drift():
        diff = provider.diff(victim_id, {**victim, "container_id": victim_id}, victim)
        return diff.changes and "container_id" in diff.replaces

    assert wait_until(drift, 10)
