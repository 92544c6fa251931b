#!/usr/bin/env python3
"""alert-receiver ADDRESS PORT FILE: the lab's operator. It takes
Alertmanager's webhook POSTs and appends each one, as received plus the
time it arrived, to FILE (one JSON document a line), so tests read what was
delivered and when. Anything that is not a JSON POST is refused."""

import json
import socket
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer


class Receiver(BaseHTTPRequestHandler):
    out = ""

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length))
        except ValueError:
            self.send_error(400, "not JSON")
            return
        with open(self.out, "a", encoding="utf-8") as f:
            f.write(json.dumps({"received_at": time.time(), "payload": body}) + "\n")
        self.send_response(200)
        self.end_headers()

    def log_message(self, fmt: str, *args) -> None:
        sys.stderr.write("alert-receiver: " + fmt % args + "\n")


class Server6(HTTPServer):
    address_family = socket.AF_INET6


def main() -> None:
    address, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    Receiver.out = out
    server = (Server6 if ":" in address else HTTPServer)((address, port), Receiver)
    server.serve_forever()


if __name__ == "__main__":
    main()
