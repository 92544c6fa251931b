"""The dynamic-provider plugin (scripts/pulumi_dynamic_provider.py) serves as
many calls at once as the engine sends: every resource of the stack is a
dynamic one, and nearly every call waits on a host. The SDK's own server
took 4 at a time, so 4 slow image transfers to one guest held the other idle.

The real plugin process is started here and sent creates that each wait for
all the others: they finish only if they run side by side."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import threading
from concurrent import futures
from pathlib import Path

import pytest
from pulumi.dynamic import CreateResult, ResourceProvider

ROOT = Path(__file__).resolve().parents[2]
AT_ONCE = 12  # more than the SDK's 4, fewer than the engine's PULUMI_PARALLEL

# In the plugin's process (it imports this module to unpickle the provider):
# each create waits here until AT_ONCE of them have arrived.
ARRIVED = threading.Barrier(AT_ONCE)


class WaitsForTheOthers(ResourceProvider):
    def create(self, props):
        ARRIVED.wait(timeout=20)
        return CreateResult(id_=props["n"], outs={"n": props["n"]})


@pytest.fixture
def plugin():
    # -u as the engine's wrapper runs it (link-tools.sh): the SDK writes the
    # port without a flush, which a pipe would keep in its buffer.
    proc = subprocess.Popen([sys.executable, "-u", "scripts/pulumi_dynamic_provider.py"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PULUMI_PARALLEL": "32"})
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 60)
        assert ready, "the plugin printed no port within 60 s"
        yield f"127.0.0.1:{proc.stdout.readline().strip()}"
    finally:
        proc.kill()
        proc.wait()


def test_the_plugin_serves_more_calls_at_once_than_the_sdks_four(plugin):
    import grpc
    from google.protobuf import struct_pb2
    from pulumi.dynamic.dynamic import serialize_provider
    from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

    provider = serialize_provider(WaitsForTheOthers())
    stub = provider_pb2_grpc.ResourceProviderStub(grpc.insecure_channel(plugin))

    def create(n: int) -> str:
        props = struct_pb2.Struct()
        props.update({"__provider": provider, "n": str(n)})
        return stub.Create(provider_pb2.CreateRequest(urn=f"urn:pulumi:t::p::x:y:Z::r{n}", properties=props),
                           timeout=30).id

    with futures.ThreadPoolExecutor(AT_ONCE) as pool:
        ids = list(pool.map(create, range(AT_ONCE)))
    assert sorted(ids, key=int) == [str(n) for n in range(AT_ONCE)]
