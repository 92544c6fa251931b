"""The prod guide (docs/prod.md), run as written on fresh Debian machines.

Its ```sh blocks go, in order and as they are written, through one shell
of a new user (a home directory of its own, nothing activated), against
the vmlab guests: pristine disks, as a provider and a household hand them
over. The stack is `guide`, never `prod`. What the test puts in is listed
in tests/guide.py: the stack's name, the user's values where the example
has the seed's, the `<...>` fill-ins, and the lab world's settings.

Between the blocks the test does what the user does away from the shell:
it edits the copied example, and it plays the parent's portal (the lab's
LIR takes the child and publisher requests and gives back the responses).
After each `up` it checks the onboarding stage and the route as transit's
route-origin validation sees it: no parent (not valid, route0 on plain
HTTP, the route NOT_FOUND and kept out by transit), a parent, then the
repository (VALID, route0 on HTTPS to the lab's client). No `up` is
red along the way. The guide's own last block checks both hosts."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import time

import pytest
import yaml

from components.cache_dir import cache_dir
from components.rpki import RirKrill
from components.render.rpki import KrillCli, Resources, parent_add_child, pubd_add_publisher
from tests import guide
from tests.infra.bird import birdc, wait_until
from tests.infra.stack import STACK

if STACK != "guide":
    pytest.skip("the prod guide runs on its own stack: PERSONAL_AS_STACK=guide", allow_module_level=True)

ROOT = guide.ROOT
CACHE = cache_dir()
USER_HOME = CACHE / "guide" / "home"          # the new user's home: ~ in the guide
SHELL_STATE = CACHE / "guide" / "shell.env"   # what the user's shell has exported so far
TIMINGS = CACHE / "guide" / "timings.json"
KEY_FILE = CACHE / "vmlab" / "id_ed25519"     # the guests' login key (scripts/guests)
RPKI = USER_HOME / "rpki"

PASSWORD = "the BGP password from your provider"
VALUES = {
    # Always with a leading dash: a user's password may have one, and the
    # guide must pass it as a value, not an option (CI met one by chance).
    PASSWORD: "-" + secrets.token_urlsafe(18),
    "the URL your alerts go to": "https://alerts.example.net/personal-as",
    "the parent response, e.g. ~/rpki/parent_response.xml": "~/rpki/parent_response.xml",
    "the repository response, e.g. ~/rpki/repository_response.xml": "~/rpki/repository_response.xml",
}
assert set(VALUES) == set(guide.FILL_INS)

timings: dict[str, float] = {}
BLOCK_LOGS = CACHE / "test-output" / "guide"  # outside the user's home


def user_shell(text: str, label: str) -> str:
    """One block in the user's shell: what earlier blocks exported is there
    (as in a terminal kept open), `set -e` stops at the first failing line."""
    script = "\n".join([
        "set -eo pipefail",
        f"if [ -f {SHELL_STATE} ]; then source {SHELL_STATE}; fi",
        f"cd {ROOT}",
        text,
        f"export -p > {SHELL_STATE}",
    ])
    env = {"HOME": str(USER_HOME), "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
           "TERM": "dumb", "LANG": "C.UTF-8", "PERSONAL_AS_CACHE": str(CACHE),
           # The run's own pytest options (make test's --durations): where verify's time goes.
           **({"PYTEST_ADDOPTS": os.environ["PYTEST_ADDOPTS"]} if "PYTEST_ADDOPTS" in os.environ else {})}
    start = time.monotonic()
    res = subprocess.run(["bash", "-c", script], env=env, cwd=ROOT, capture_output=True, text=True, timeout=2400)
    timings[label] = round(time.monotonic() - start, 1)
    # Each block's whole output, for a red run's diagnosis and for where an
    # `up`'s time went (Pulumi prints each resource's); the block as typed,
    # with the BGP password it sets masked (logs keep no secret).
    shown = text.replace(VALUES[PASSWORD], "[secret]")
    BLOCK_LOGS.mkdir(parents=True, exist_ok=True)
    (BLOCK_LOGS / f"block-{label.split()[0]}.log").write_text(
        f"{shown}\n--- stdout\n{res.stdout}\n--- stderr\n{res.stderr}")
    print(f"--- guide block {label} ({timings[label]} s)\n{shown}\n{res.stdout[-3000:]}", flush=True)
    assert res.returncode == 0, f"the guide's block {label} failed (exit {res.returncode}):\n{shown}\n" \
                                f"{res.stdout[-4000:]}\n{res.stderr[-4000:]}"
    return res.stdout


def exported(name: str) -> str:
    """A variable the user's shell has exported (e.g. the passphrase file)."""
    out = subprocess.run(["bash", "-c", f"source {SHELL_STATE}; printf %s \"${name}\""], capture_output=True,
                         text=True, check=True, env={"HOME": str(USER_HOME)})
    return out.stdout


def stack_output(key: str):
    out = subprocess.run(["pulumi", "stack", "output", "--stack", STACK, "--json", "--show-secrets", key],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def the_blocks() -> list[tuple[str, str]]:
    """(label, text) of each block, for this stack, with the fill-ins given."""
    out = []
    for b in guide.blocks():
        phases = guide.phase_of(b) or ["output"]
        out.append((f"{b.index} ({', '.join(phases)})", guide.fill_in(guide.as_stack(b.text, STACK), VALUES)))
    return out


def edit_the_copied_example():
    """What the user does in an editor after `cp`: their values in the example."""
    path = ROOT / "stacks" / f"Pulumi.{STACK}.yaml"
    doc = yaml.safe_load(path.read_text())
    guide.edit(doc["config"], {**guide.USER_VALUES, **guide.LAB_WORLD_VALUES, **guide.TEST_TUNINGS},
               key_file=str(KEY_FILE))
    path.write_text(yaml.safe_dump(doc, sort_keys=False))


def on_rir(script: str, stdin: str) -> str:
    """A script on the lab's RIR host, whose Krill runs the LIR."""
    res = subprocess.run(["docker", "exec", "-i", f"{STACK}-rir", "sh", "-c", script], input=stdin,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, f"the lab's LIR refused: {res.stderr[-2000:]}"
    return res.stdout


def the_portal_answers(cfg, request: str, response: str):
    """The parent's portal, played by the lab's LIR: it takes the request the
    user saved and gives back the response the user saves."""
    lir = KrillCli(url=f"https://127.0.0.1:{RirKrill.PORT}/")
    text = (RPKI / request).read_text()
    assert text.lstrip().startswith("<"), f"~/rpki/{request} is not XML: {text[:200]!r}"
    if request == "child_request.xml":
        resources = Resources(asn=f"AS{cfg.asn}", ipv6=", ".join(str(n) for n in cfg.v6_networks))
        xml = on_rir(parent_add_child(lir, "lir", cfg.krill.handle, resources), text)
    else:
        xml = on_rir(pubd_add_publisher(lir, cfg.krill.handle), text)
    (RPKI / response).write_text(xml)


def route_at_transit(transit, cfg) -> int:
    """transit's ROV verdict on the user's route: 0 unknown, 1 valid, 2 invalid."""
    out = birdc(transit, f"eval roa_check(r6, {cfg.prefixes[0]}, {cfg.asn})").strip()
    return int(out[-1])


def config():
    """The stack's config as the tests read it, once the user's shell has
    the passphrase (its own, never the lab's)."""
    from tests.infra import stack

    os.environ["PULUMI_CONFIG_PASSPHRASE_FILE"] = exported("PULUMI_CONFIG_PASSPHRASE_FILE")
    return stack.config()


def test_the_prod_guide_runs_as_written_on_fresh_machines(request):
    assert not (ROOT / "stacks" / f"Pulumi.{STACK}.yaml").exists(), "scripts/vmlab-reset.sh starts a new user"
    USER_HOME.mkdir(parents=True, exist_ok=True)
    SHELL_STATE.unlink(missing_ok=True)
    start = time.monotonic()
    ups = 0
    for label, text in the_blocks():
        if "krill.parent_response_file" in text:
            the_portal_answers(config(), "child_request.xml", "parent_response.xml")
        if "krill.repository_response_file" in text:
            the_portal_answers(config(), "publisher_request.xml", "repository_response.xml")
        out = user_shell(text, label)
        if "pulumi stack init" in text:
            edit_the_copied_example()
            # The user's own passphrase, never the lab's.
            assert exported("PULUMI_CONFIG_PASSPHRASE_FILE") == str(USER_HOME / ".config/personal-as/prod.passphrase")
        if "pulumi preview" in text:
            assert "monitoring.webhook_url is not used" in out
        if f"pulumi up --stack {STACK}" not in text:
            continue
        ups += 1
        cfg = config()
        transit = request.getfixturevalue("transit")
        stage = stack_output("onboarding")["stage"]
        verdict = route_at_transit(transit, cfg)
        client = request.getfixturevalue("client")
        if ups < 3:
            # No ROA yet: `up` completed and says what to do next. route0
            # serves plain HTTP, and the route is NOT_FOUND at transit, whose
            # lab policy (stricter than the internet's) keeps it out until it
            # is VALID: the lab's client cannot reach route0 yet.
            assert stage == ("awaiting-parent" if ups == 1 else "awaiting-repository"), stack_output("onboarding")
            assert verdict == 0, f"transit's verdict on {cfg.prefixes[0]} before any ROA: {verdict}"
            assert stack_output("route0_url") == f"http://[{cfg.route0_address}]/"
            # A fresh VPS has no curl: route0's own container asks.
            vps = request.getfixturevalue("vps")
            page = vps.run(f"docker exec {STACK}-vps-nginx curl -fsS -m 10 http://[{cfg.route0_address}]/")
            assert page.rc == 0 and page.stdout.strip(), page.stderr
            assert client.run(f"curl -fsS -m 5 http://[{cfg.route0_address}]/").rc != 0
        else:
            # Parent and repository set: the ROAs are published, the route is
            # VALID at transit, and route0 serves HTTPS with its certificate
            # from the lab's ACME CA, to the lab's client across the route.
            assert stage == "published", stack_output("onboarding")
            assert verdict == 1, f"transit's verdict on {cfg.prefixes[0]} once published: {verdict}"
            assert stack_output("route0_url") == f"https://{cfg.acme.route0_name}/"
            # The guide says route0's ACME client switches it to HTTPS by
            # itself once the route is valid, retrying every minute at first:
            # `up` may end as it installs the certificate and nginx reloads.
            https = f"curl -fsS -m 10 https://{cfg.acme.route0_name}/"
            assert wait_until(lambda: client.run(https).rc == 0, 150, 5), client.run(https).stderr
    assert ups == 3
    timings["guide"] = round(time.monotonic() - start, 1)
    TIMINGS.write_text(json.dumps(timings, indent=1) + "\n")
    print(f"the prod guide on the guests took {timings['guide']} s: {timings}")
