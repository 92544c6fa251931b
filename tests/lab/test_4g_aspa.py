"""The user's ASPA as code: the stack has the user's Krill sign the ASPA
its upstreams imply, the lab's relying party (rpki-client) validates it from
the repository, and an ASPA changed in Krill behind the stack's back is a
diff at `preview` that the next `up` puts back."""

from __future__ import annotations

import json

import pytest

from tests.infra.bird import wait_until
from tests.infra.krill import PORT, TOKEN, krill_api
from tests.lab.conftest import changed_resources, pulumi

pytestmark = pytest.mark.destructive

# Krill publishes at once (bulk sync); the validator runs every few seconds.
BOUND_S = 60


def validated_aspas(validator) -> dict[int, list[int]]:
    """customer -> providers, as the validator derived them (rpki-client's JSON)."""
    res = validator.run("cat /var/lib/rpki-client/json")
    if res.rc != 0:
        return {}
    return {a["customer_asid"]: sorted(a["providers"]) for a in json.loads(res.stdout).get("aspas", [])}


def krill_aspas(home, handle: str) -> dict[int, list[int]]:
    return {a["customer"]: sorted(a["providers"]) for a in krill_api(home, f"cas/{handle}/aspas")}


def change_behind_the_stacks_back(home, handle: str, asn: int, added: list[int], removed: list[int]) -> None:
    """A provider added and one taken out in Krill itself, as a hand in its UI might."""
    body = json.dumps({"added": added, "removed": removed})
    home.check_output(
        f"printf 'Authorization: Bearer %s\\n' \"$({TOKEN})\" | curl -fsSk -m 10 -H @- "
        f"-H 'Content-Type: application/json' -d '{body}' "
        f"\"https://127.0.0.1:$({PORT})/api/v1/cas/{handle}/aspas/as/{asn}\"")


@pytest.fixture(autouse=True)
def _needs_aspa(cfg):
    if cfg.aspa_providers is None:
        pytest.skip("this stack has aspa: false")


def test_the_users_aspa_is_signed_and_the_validator_holds_it(lab_is_up, home, validator, cfg):
    want = list(cfg.aspa_providers)
    assert krill_aspas(home, cfg.krill.handle) == {cfg.asn: want}
    assert wait_until(lambda: validated_aspas(validator).get(cfg.asn) == want, BOUND_S), validated_aspas(validator)


def test_an_aspa_changed_in_krill_is_a_diff_at_preview_and_up_puts_it_back(lab_is_up, home, validator, cfg):
    handle, want = cfg.krill.handle, list(cfg.aspa_providers)
    change_behind_the_stacks_back(home, handle, cfg.asn, added=[64511], removed=want[:1])
    assert krill_aspas(home, handle) == {cfg.asn: sorted([*want[1:], 64511])}
    assert changed_resources(pulumi("preview", "--json").stdout) == {"user-ca-aspa"}
    pulumi("up", "--yes", "--skip-preview")
    assert krill_aspas(home, handle) == {cfg.asn: want}
    assert wait_until(lambda: validated_aspas(validator).get(cfg.asn) == want, BOUND_S), validated_aspas(validator)
    pulumi("preview", "--expect-no-changes")
