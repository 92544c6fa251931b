"""A reverse SSH tunnel: a loopback port on the host that leads to a port here.

The host's docker pulls from 127.0.0.1:<port> on the host; sshd carries each
connection back to this machine's registry. Every byte sent to the host is
counted, so a transfer can say what it cost on the wire.
"""

from __future__ import annotations

import select
import socket
import threading
from contextlib import contextmanager
from typing import Iterator


class Meter:
    """Bytes sent towards the host, over every connection of one tunnel."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.sent = 0

    def add(self, n: int) -> None:
        with self._lock:
            self.sent += n


def _pump(channel, local_port: int, meter: Meter) -> None:
    try:
        sock = socket.create_connection(("127.0.0.1", local_port), timeout=10)
    except OSError:
        channel.close()
        return
    sock.settimeout(None)
    try:
        while True:
            ready, _, _ = select.select([sock, channel], [], [], 60)
            if sock in ready:
                data = sock.recv(1 << 16)
                if not data:
                    break
                channel.sendall(data)
                meter.add(len(data))
            if channel in ready:
                data = channel.recv(1 << 16)
                if not data:
                    break
                sock.sendall(data)
    except OSError:
        pass
    finally:
        sock.close()
        channel.close()


@contextmanager
def reverse_tunnel(client, conn: dict, local_port: int) -> Iterator[tuple[int, Meter]]:
    """(port on the host's loopback, meter) while the tunnel is open."""
    import paramiko

    from .ssh import RemoteCommandError

    meter = Meter()
    transport = client.get_transport()

    def handler(channel, _origin, _server):
        threading.Thread(target=_pump, args=(channel, local_port, meter), daemon=True).start()

    try:
        port = transport.request_port_forward("127.0.0.1", 0, handler)
    except paramiko.SSHException as err:
        raise RemoteCommandError(
            f"sshd on {conn['host']} refused a remote port forward ({err}). Images reach the host through one: "
            f"allow it for {conn.get('user', 'root')} (sshd_config: AllowTcpForwarding remote, or yes)") from None
    try:
        yield port, meter
    finally:
        try:
            transport.cancel_port_forward("127.0.0.1", port)
        except (paramiko.SSHException, EOFError, OSError):
            pass  # the connection is closing anyway
