"""Images reach a real host compressed, and only the layers it lacks: measured
on the wire (the bytes the reverse SSH tunnel carried), not taken on trust."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile

import docker
import pytest

from components.providers.image_transfer import image_on_host, ship
from components.providers.registry import registry_dir
from tests.infra.stack import config
from tests.vmlab.conftest import connection, guest_shell
from tests.infra.stack import STACK
from tests.vmlab.state import image_transfers as shipped_by_up

MB = 1024 * 1024
# Manifest, config and HTTP headers of one pull: a few kB each.
PULL_OVERHEAD = 64 * 1024


def image_size(tag: str) -> int:
    return docker.from_env().images.get(tag).attrs["Size"]


def layers(tag: str) -> dict[str, int]:
    """Compressed size of each layer of `tag`, from the manifest that was shipped
    (the local registry's storage: content-addressed files, read directly)."""
    root = registry_dir() / "data/docker/registry/v2"
    repo, version = tag.rsplit(":", 1)
    link = (root / f"repositories/{repo}/_manifests/tags/{version}/current/link").read_text().strip()
    algo, digest = link.split(":")
    manifest = json.loads((root / f"blobs/{algo}/{digest[:2]}/{digest}/data").read_text())
    return {layer["digest"]: layer["size"] for layer in manifest["layers"]}


def test_the_first_up_sent_compressed_layers_and_the_shared_base_once(lab_is_up):
    by_host: dict[str, list[dict]] = {}
    names = {spec.address: name for name, spec in config().hosts.items()}
    for transfer in shipped_by_up(STACK):
        by_host.setdefault(names[transfer["host"]], []).append(transfer)
    assert set(by_host) == {"vps", "home"}, by_host
    report = {}
    for host, transfers in by_host.items():
        sent = sum(t["bytes"] for t in transfers)
        if sent == 0:
            pytest.skip(f"{host} already had every image (guests kept from an earlier run)")
        union: dict[str, int] = {}
        for t in transfers:
            union |= layers(t["tag"])
        counted_twice = sum(sum(layers(t["tag"]).values()) for t in transfers)
        report[host] = {"sent_MB": round(sent / MB, 1), "layers_MB": round(sum(union.values()) / MB, 1),
                        "uncompressed_MB": round(sum(image_size(t["tag"]) for t in transfers) / MB, 1)}
        # The images share their base: sending it once is a real saving...
        assert sum(union.values()) < counted_twice - 10 * MB
        # ...and the wire carried each compressed layer once, plus manifests.
        assert sum(union.values()) <= sent <= sum(union.values()) + len(transfers) * PULL_OVERHEAD, report
    print(f"bytes the first up shipped: {json.dumps(report)}")


@pytest.fixture
def changed_bird_image():
    """The vps's BIRD image with one new top layer: 256 kB that do not compress."""
    client = docker.from_env()
    bird = next(t for t in shipped_by_up(STACK) if t["tag"].startswith("personal-as/bird:"))["tag"]
    with tempfile.TemporaryDirectory() as ctx:
        with open(os.path.join(ctx, "payload"), "wb") as f:
            f.write(os.urandom(256 * 1024))
        with open(os.path.join(ctx, "Dockerfile"), "w") as f:
            f.write(f"FROM {bird}\nCOPY payload /usr/local/share/personal-as-payload\n")
        image, _ = client.images.build(path=ctx, tag="personal-as/bird-changed:test", network_mode="host", rm=True)
    yield image
    guest_shell("vps", "docker image rm personal-as/bird-changed:test >/dev/null 2>&1 || true", check=False)
    client.images.remove(image.id, force=True)


def test_a_change_to_one_layer_sends_only_that_layer(lab_is_up, changed_bird_image):
    conn = connection("vps")
    tag = "personal-as/bird-changed:test"
    shipped = ship(conn, tag)
    print(f"one changed layer of 256 kB: {shipped['bytes']} bytes on the wire in {shipped['seconds']} s")
    assert 256 * 1024 <= shipped["bytes"] <= 256 * 1024 + PULL_OVERHEAD, shipped
    # The host has the very image, and it runs there.
    assert image_on_host(conn, tag) == changed_bird_image.id
    digest = guest_shell("vps", f"docker run --rm --entrypoint sha256sum {tag} /usr/local/share/personal-as-payload")
    local = subprocess.run(["docker", "run", "--rm", "--entrypoint", "sha256sum", tag,
                            "/usr/local/share/personal-as-payload"], capture_output=True, text=True, check=True)
    assert digest.stdout.split()[0] == local.stdout.split()[0]


def test_an_image_the_host_has_sends_nothing_but_its_manifest(lab_is_up):
    conn = connection("vps")
    bird = next(t for t in shipped_by_up(STACK) if t["tag"].startswith("personal-as/bird:"))["tag"]
    shipped = ship(conn, bird)
    assert shipped["bytes"] <= PULL_OVERHEAD, shipped
