"""What the vmlab stack's state says its image transfers sent: shared by the
vmlab tier and `make bench` (no pytest here, so the bench can import it)."""

from __future__ import annotations

import json
import subprocess


def image_transfers(stack: str) -> list[dict]:
    """Each image transfer of the last `pulumi up`: tag, host, bytes on the wire, seconds."""
    state = json.loads(subprocess.run(["pulumi", "stack", "export", "--stack", stack, "--show-secrets"],
                                      capture_output=True, text=True, check=True).stdout)
    found = []
    for res in state["deployment"].get("resources", []):
        outs = res.get("outputs") or {}
        if "shipped_bytes" not in outs:
            continue
        conn = outs["connection"]
        if "plaintext" in conn:  # a secret, as the state stores it
            conn = json.loads(conn["plaintext"])
        found.append({"tag": outs["tag"], "host": conn["host"], "bytes": outs["shipped_bytes"],
                      "seconds": outs["shipped_seconds"]})
    return found
