"""Ask a host's own Krill through its API, with the token read on that host."""

from __future__ import annotations

import json

TOKEN = "sed -n 's/^admin_token = \"\\(.*\\)\"$/\\1/p' /etc/krill/krill.conf"
PORT = "sed -n 's/^port = //p' /etc/krill/krill.conf"
# Krill's own health endpoint, at the port its config gives (krill.port).
HEALTH = f"curl -fsSk -m 3 \"https://127.0.0.1:$({PORT})/health\""


def krill_api(host, path: str) -> object:
    res = host.run(
        f"printf 'Authorization: Bearer %s\\n' \"$({TOKEN})\" | "
        f"curl -fsSk -m 10 -H @- \"https://127.0.0.1:$({PORT})/api/v1/{path}\""
    )
    assert res.rc == 0, res.stderr
    return json.loads(res.stdout)


def vrps(validator_host) -> list[dict]:
    """What the validator derived from the lab's repository (rpki-client's JSON)."""
    res = validator_host.run("cat /var/lib/rpki-client/json")
    return json.loads(res.stdout)["roas"] if res.rc == 0 else []
