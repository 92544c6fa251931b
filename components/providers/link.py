"""Lab wiring: veth pairs between host namespaces, and the management bridge.

This is the lab's fabric, the part a real network gives you (cables, the
provider's port), done the way containerlab does it: from the machine, by
container PID. Hosts configure their own addresses over SSH, except the
management interface, which must be up before SSH can work at all.
"""

from __future__ import annotations

import subprocess

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, ResourceProvider


def _sh(*args: str) -> str:
    res = subprocess.run(args, capture_output=True, text=True, check=False)
    if res.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: {res.stderr.strip()}")
    return res.stdout


def _pid(container: str) -> str:
    import docker

    pid = docker.from_env().containers.get(container).attrs["State"]["Pid"]
    if not pid:
        raise RuntimeError(f"container {container} is not running; cannot wire its namespace")
    return str(pid)


def _in_ns(pid: str, *args: str) -> str:
    return _sh("nsenter", "-t", pid, "-n", *args)


def _link_exists(pid: str, ifname: str) -> bool:
    return subprocess.run(["nsenter", "-t", pid, "-n", "ip", "link", "show", "dev", ifname],
                          capture_output=True, check=False).returncode == 0


def _veth_to_bridge(pid: str, outer: str, bridge: str) -> str:
    """A veth with `outer` on a bridge of the machine and its peer inside the
    namespace of `pid`; returns the peer's (temporary) name there."""
    subprocess.run(["ip", "link", "del", outer], capture_output=True, check=False)
    _sh("ip", "link", "add", outer, "type", "veth", "peer", "name", f"{outer}i")
    _sh("ip", "link", "set", f"{outer}i", "netns", pid)
    _sh("ip", "link", "set", outer, "master", bridge, "up")
    return f"{outer}i"


class _BridgePortProvider(ResourceProvider):
    """A port on a machine bridge, named `outer_if`, into a lab host."""

    def read(self, id_, props):
        return ReadResult(id_=id_, outs=props)

    def delete(self, _id, props):
        subprocess.run(["ip", "link", "del", props["outer_if"]], capture_output=True, check=False)


class _VethProvider(ResourceProvider):
    """A veth pair with one end in each of two containers' namespaces."""

    def create(self, props):
        pa, pb = _pid(props["a"]), _pid(props["b"])
        for pid, ifn in ((pa, props["a_if"]), (pb, props["b_if"])):
            if _link_exists(pid, ifn):  # left from an interrupted run
                _in_ns(pid, "ip", "link", "del", "dev", ifn)
        tmp_a, tmp_b = f"pa{pa}{props['a_if']}"[:15], f"pb{pb}{props['b_if']}"[:15]
        _sh("ip", "link", "add", tmp_a, "type", "veth", "peer", "name", tmp_b)
        _sh("ip", "link", "set", tmp_a, "netns", pa)
        _sh("ip", "link", "set", tmp_b, "netns", pb)
        _in_ns(pa, "ip", "link", "set", "dev", tmp_a, "name", props["a_if"])
        _in_ns(pb, "ip", "link", "set", "dev", tmp_b, "name", props["b_if"])
        import uuid

        # A new cable each time: hosts re-run their provisioning (addresses,
        # link up) when the serial of a cable of theirs changes.
        return CreateResult(id_=f"{props['a']}:{props['a_if']}--{props['b']}:{props['b_if']}",
                            outs={**props, "serial": uuid.uuid4().hex})

    def diff(self, _id, olds, news):
        keys = [k for k in ("a", "a_if", "b", "b_if", "a_container_id", "b_container_id") if olds.get(k) != news.get(k)]
        if not olds.get("serial"):
            keys.append("serial")  # wired before cables had serials: wire again once
        if not keys:
            try:
                # Both ends must still be there: a namespace recreated or a
                # cable cut on either side means wiring it again.
                if not (_link_exists(_pid(news["a"]), news["a_if"]) and _link_exists(_pid(news["b"]), news["b_if"])):
                    keys.append("a_if")
            except Exception:  # noqa: BLE001
                keys.append("a")
        return DiffResult(changes=bool(keys), replaces=keys, delete_before_replace=True)

    def read(self, id_, props):
        return ReadResult(id_=id_, outs=props)

    def delete(self, _id, props):
        try:
            pid = _pid(props["a"])
        except Exception:  # noqa: BLE001 - container gone, and the veth with it
            return
        if _link_exists(pid, props["a_if"]):
            _in_ns(pid, "ip", "link", "del", "dev", props["a_if"])


class Veth(Resource, module="net", name="Veth"):
    serial: pulumi.Output[str]

    def __init__(self, name: str, a: str, a_if: str, b: str, b_if: str,
                 a_container_id: pulumi.Input[str], b_container_id: pulumi.Input[str],
                 opts: pulumi.ResourceOptions | None = None):
        super().__init__(_VethProvider(), name, {
            "a": a, "a_if": a_if, "b": b, "b_if": b_if,
            "a_container_id": a_container_id, "b_container_id": b_container_id, "serial": None,
        }, opts)


class _BridgeProvider(ResourceProvider):
    """The management bridge on the machine: SSH to lab hosts, nothing else."""

    def create(self, props):
        import ipaddress
        import json

        br = props["bridge"]
        net = ipaddress.ip_interface(props["address"]).network
        for dev in json.loads(_sh("ip", "-j", "-4", "addr", "show")):
            for a in dev.get("addr_info", []):
                theirs = ipaddress.ip_interface(f"{a['local']}/{a['prefixlen']}").network
                if dev["ifname"] != br and theirs.overlaps(net):
                    raise RuntimeError(
                        f"the management network {net} overlaps {theirs} on {dev['ifname']}; "
                        "the lab would cut this machine off from it"
                    )
        if subprocess.run(["ip", "link", "show", br], capture_output=True, check=False).returncode != 0:
            _sh("ip", "link", "add", br, "type", "bridge")
        _sh("ip", "addr", "replace", props["address"], "dev", br)
        _sh("ip", "link", "set", br, "up")
        return CreateResult(id_=br, outs=props)

    def diff(self, _id, olds, news):
        keys = [k for k in ("bridge", "address") if olds.get(k) != news.get(k)]
        if not keys and subprocess.run(["ip", "link", "show", news["bridge"]], capture_output=True, check=False).returncode:
            keys.append("bridge")
        return DiffResult(changes=bool(keys), replaces=keys, delete_before_replace=True)

    def delete(self, _id, props):
        subprocess.run(["ip", "link", "del", props["bridge"]], capture_output=True, check=False)


class MgmtBridge(Resource, module="net", name="MgmtBridge"):
    def __init__(self, name: str, bridge: str, address: str, opts: pulumi.ResourceOptions | None = None):
        super().__init__(_BridgeProvider(), name, {"bridge": bridge, "address": address}, opts)


class _MgmtPortProvider(_BridgePortProvider):
    """A veth from the bridge into a host as `mgmt0`, with its address."""

    def create(self, props):
        pid = _pid(props["container"])
        outer = props["outer_if"]
        if _link_exists(pid, "mgmt0"):
            _in_ns(pid, "ip", "link", "del", "dev", "mgmt0")
        inner = _veth_to_bridge(pid, outer, props["bridge"])
        # Isolated ports reach the machine but never each other: the
        # management network cannot become a shortcut between lab hosts.
        _sh("bridge", "link", "set", "dev", outer, "isolated", "on")
        _in_ns(pid, "ip", "link", "set", "dev", inner, "name", "mgmt0")
        _in_ns(pid, "ip", "addr", "add", props["address"], "dev", "mgmt0")
        _in_ns(pid, "ip", "link", "set", "dev", "mgmt0", "up")
        _in_ns(pid, "ip", "link", "set", "dev", "lo", "up")
        return CreateResult(id_=outer, outs=props)

    def diff(self, _id, olds, news):
        keys = [k for k in ("container", "container_id", "bridge", "address", "outer_if") if olds.get(k) != news.get(k)]
        if not keys and subprocess.run(["ip", "link", "show", news["outer_if"]], capture_output=True, check=False).returncode:
            keys.append("outer_if")
        return DiffResult(changes=bool(keys), replaces=keys, delete_before_replace=True)


class MgmtPort(Resource, module="net", name="MgmtPort"):
    def __init__(self, name: str, container: str, container_id: pulumi.Input[str], bridge: str,
                 address: str, outer_if: str, opts: pulumi.ResourceOptions | None = None):
        super().__init__(_MgmtPortProvider(), name, {
            "container": container, "container_id": container_id, "bridge": bridge,
            "address": address, "outer_if": outer_if,
        }, opts)


class _GuestCableProvider(_BridgePortProvider):
    """A veth from a lab host into the machine bridge a guest's lab NIC sits
    on: the cable between a lab container and a real (QEMU) machine."""

    def create(self, props):
        pid = _pid(props["container"])
        outer, inner = props["outer_if"], props["inner_if"]
        if subprocess.run(["ip", "link", "show", props["bridge"]], capture_output=True, check=False).returncode:
            raise RuntimeError(f"bridge {props['bridge']} (hosts.*.lab_cable) does not exist on this machine; "
                               "start the guests first (make vmlab does)")
        if _link_exists(pid, inner):  # left from an interrupted run
            _in_ns(pid, "ip", "link", "del", "dev", inner)
        _in_ns(pid, "ip", "link", "set", "dev", _veth_to_bridge(pid, outer, props["bridge"]), "name", inner)
        import uuid

        return CreateResult(id_=outer, outs={**props, "serial": uuid.uuid4().hex})

    def diff(self, _id, olds, news):
        keys = [k for k in ("container", "container_id", "bridge", "inner_if", "outer_if") if olds.get(k) != news.get(k)]
        if not keys:
            try:
                if not _link_exists(_pid(news["container"]), news["inner_if"]) or subprocess.run(
                        ["ip", "link", "show", news["outer_if"]], capture_output=True, check=False).returncode:
                    keys.append("outer_if")
            except Exception:  # noqa: BLE001 - the container is gone
                keys.append("container")
        return DiffResult(changes=bool(keys), replaces=keys, delete_before_replace=True)


class GuestCable(Resource, module="net", name="GuestCable"):
    serial: pulumi.Output[str]

    def __init__(self, name: str, container: str, container_id: pulumi.Input[str], inner_if: str, bridge: str,
                 outer_if: str, opts: pulumi.ResourceOptions | None = None):
        super().__init__(_GuestCableProvider(), name, {
            "container": container, "container_id": container_id, "inner_if": inner_if, "bridge": bridge,
            "outer_if": outer_if, "serial": None,
        }, opts)
