"""Ask a host's own Krill through its API, with the token read on that host."""

from __future__ import annotations

import json

TOKEN = "sed -n 's/^admin_token = \"\\(.*\\)\"$/\\1/p' /etc/krill/krill.conf"


def krill_api(host, path: str) -> object:
    res = host.run(
        f"printf 'Authorization: Bearer %s\\n' \"$({TOKEN})\" | "
        f"curl -fsSk -m 10 -H @- https://127.0.0.1:3000/api/v1/{path}"
    )
    assert res.rc == 0, res.stderr
    return json.loads(res.stdout)


def vrps(validator_host) -> list[dict]:
    """What the validator derived from the lab's repository (rpki-client's JSON)."""
    res = validator_host.run("cat /var/lib/rpki-client/json")
    return json.loads(res.stdout)["roas"] if res.rc == 0 else []
