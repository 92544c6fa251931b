"""No value can become a command.

Two properties, each with hostile values (quotes, backticks, `$()`, `;`,
`&&`, `|`, globs, a leading dash, non-ASCII, very long, a heredoc's
delimiter, control characters):

- **Every renderer of a shell script**, given a hostile value for each value
  it puts into the script, renders a script that `dash -n` parses, and that,
  run in a sandbox (tests/shell_sandbox.py: a chroot with a stub for each
  allowed command), runs only allowed commands and hands the value to them
  intact, as one argument. A value with a control character is refused at
  render time.
- **Every string key of the config** (the filled prod example's and the lab
  stack's): a hostile value is either refused at preview with the key named,
  or the program renders every script with it (Pulumi mocks), and each script
  it landed in passes the same checks.
"""

from __future__ import annotations

import copy
import subprocess
from collections import defaultdict

import pytest

from components.config import ConfigError, validate
from components.config.errors import key_path
from components.render.acme import placeholder_script, wait_issued_script, wait_routed_script
from components.render.env import sh_word
from components.render.host_network import (
    HostNetwork, render_host_network, render_host_network_check, render_host_network_undo,
)
from components.render.provision import (
    render_bird_apply, render_bird_check, render_file_apply, render_file_check, render_file_remove, render_host_packages,
    render_host_packages_check, render_metrics_user, render_metrics_user_check, render_metrics_user_remove,
)
from components.render.rpki import (
    KrillCli, Resources, ca_request, ca_set_contact, lir_setup, parent_add_child, pubd_add_publisher, roas_apply,
)
from tests.shell_sandbox import Sandbox
from tests.unit.test_config import LAB_RAW, LAB_SECRETS
from tests.unit.test_config_mutations import get, paths
from tests.unit.test_config_prod_path import PROD_SECRETS, filled

MARK = "personal_as_pwned"  # no stub has this name: running it shows as "not found"
HOSTILE = {
    "single-quote": "it's",
    "double-quote": 'say "hi"',
    "backticks": f"`{MARK}`",
    "dollar-paren": f"$({MARK})",
    "semicolon": f"x; {MARK}",
    "and": f"x && {MARK}",
    "pipe": f"x | {MARK}",
    "variable": "$HOME${IFS}x",
    "glob": "*",
    "leading-dash": "-rf",
    "spaces": "a  b",
    "non-ascii": "é ü 中",
    "very-long": "x" * 5000,
    "heredoc-delimiter": "PERSONAL_AS_EOF",
    "backslash": "a\\",
}
CONTROL = {"newline": f"x\n{MARK}", "nul": "x\0y", "carriage-return": "x\ry", "escape": "x\x1b[2J"}

# The commands the stack's scripts run (stubs in the sandbox). Builtins
# (echo, printf, read, test, cd, umask, trap) need none.
ALLOWED = {
    "apt-get", "awk", "bird", "birdc", "cat", "chmod", "chown", "cmp", "cp", "curl", "cut", "date", "dirname",
    "docker", "dpkg-query", "env", "find", "getent", "grep", "head", "id", "install", "ip", "kill", "krillc",
    "ln", "ls", "mkdir", "mktemp", "mv", "networkctl", "nft", "nginx", "openssl", "rm", "rmdir", "sed", "seq",
    "sha256sum", "sleep", "sort", "ss", "stat", "sysctl", "systemctl", "systemd-tmpfiles", "tail", "tee",
    "touch", "tr", "update-ca-certificates", "useradd", "userdel", "usermod", "wc", "xargs",
}


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    return Sandbox(tmp_path_factory.mktemp("sandbox"), ALLOWED)


def parses(script: str) -> None:
    res = subprocess.run(["dash", "-n"], input=script, capture_output=True, text=True)
    assert res.returncode == 0, f"dash -n: {res.stderr}\n{script}"


def runs_only_allowed_commands(sandbox, script: str):
    ran = sandbox.run(script)
    assert not ran.not_allowed, f"ran {ran.not_allowed}, not in the allow-list: {ran.stderr}\n{script}"
    assert all(call[0] in ALLOWED for call in ran.calls)
    return ran


# Each renderer with the hostile value in one of its values: (id, render(v)).
KC = KrillCli(container="home-krill")
RENDERS = [
    ("file-apply path", lambda v: render_file_apply(v)),
    ("file-apply dirs", lambda v: render_file_apply("/etc/x/y", dirs=(v,))),
    ("file-apply owner", lambda v: render_file_apply("/etc/x", owner=f"{v}:{v}")),
    ("file-apply mode", lambda v: render_file_apply("/etc/x", mode=v)),
    ("file-check path", lambda v: render_file_check(v)),
    ("file-check owner", lambda v: render_file_check("/etc/x", owner=f"{v}:{v}")),
    ("file-remove path", lambda v: render_file_remove(v)),
    ("file-remove dirs", lambda v: render_file_remove("/etc/x", remove_dirs=(v,), purge_dirs=(v,))),
    ("bird-apply sessions", lambda v: render_bird_apply([v, "peer"])),
    ("bird-apply paths", lambda v: render_bird_apply(["transit"], conf=v, socket=v)),
    ("bird-apply check image", lambda v: render_bird_apply(["transit"], check_image=v)),
    ("bird-check paths", lambda v: render_bird_check(conf=v, socket=v)),
    ("host-packages", lambda v: render_host_packages({v: v}, [v])),
    ("host-packages-check", lambda v: render_host_packages_check({v: v}, [v])),
    ("metrics-user", lambda v: render_metrics_user(v, [v])),
    ("metrics-user-check", lambda v: render_metrics_user_check(v, [v])),
    ("metrics-user-remove", lambda v: render_metrics_user_remove(v)),
    ("krill container and url", lambda v: roas_apply(KrillCli(container=v, url=v), "personal")),
    ("roas-apply ca", lambda v: roas_apply(KC, v)),
    ("ca-request", lambda v: ca_request(KC, v, "child")),
    ("ca-set-contact", lambda v: ca_set_contact(KC, v, "parents", parent=v)),
    ("parent-add-child", lambda v: parent_add_child(KC, v, v, Resources(asn=v, ipv6=v))),
    ("pubd-add-publisher", lambda v: pubd_add_publisher(KC, v)),
    ("lir-setup", lambda v: lir_setup(KrillCli(), v, v, Resources(asn=v, ipv4=v))),
    ("host-network", lambda v: render_host_network(HostNetwork(host=v, router=True, persistent=True))),
    ("host-network-check", lambda v: render_host_network_check(HostNetwork(host=v, router=True, persistent=True))),
    ("host-network-undo", lambda v: render_host_network_undo(HostNetwork(host=v, router=True, persistent=True))),
    ("acme placeholder", lambda v: placeholder_script(v, v, v)),
    ("acme wait-routed", lambda v: wait_routed_script(v, 1)),
    ("acme wait-issued", lambda v: wait_issued_script(v, v, 1)),
]


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
@pytest.mark.parametrize("render", [r for _, r in RENDERS], ids=[i for i, _ in RENDERS])
def test_a_hostile_value_stays_one_word_in_every_script(sandbox, render, value):
    try:
        script = render(value)
    except ValueError as err:  # refused by the renderer's own rule, with its reason
        assert repr(value)[:40] in str(err) or "refusing" in str(err), err
        return
    parses(script)
    ran = runs_only_allowed_commands(sandbox, script)
    # Where the script hands the value to a command, it arrives whole.
    words = [w for call in ran.calls for w in call[1:]]
    if any(value in w for w in words):
        assert all(MARK not in w or value in w for w in words)


@pytest.mark.parametrize("value", CONTROL.values(), ids=CONTROL.keys())
@pytest.mark.parametrize("render", [r for _, r in RENDERS[:12]], ids=[i for i, _ in RENDERS[:12]])
def test_a_value_with_a_control_character_never_reaches_a_script(render, value):
    with pytest.raises(ValueError, match="control character|line break"):
        render(value)


def test_one_word_is_what_the_shell_reads_back():
    for value in HOSTILE.values():
        res = subprocess.run(["dash", "-c", f"printf '%s' {sh_word(value)}"], capture_output=True, text=True)
        assert res.stdout == value


# --- Every string key of the config -----------------------------------------

BASES = {"prod": (filled(), PROD_SECRETS), "lab": (LAB_RAW, LAB_SECRETS)}
SCRIPT_INPUTS = ("create", "update", "delete", "drift_check")


def string_keys(raw):
    return [p for p in paths(raw) if isinstance(get(raw, p), str)]


def changed(raw, path, value):
    out = copy.deepcopy(raw)
    node = out
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return out


def accepted_and_refused(base: str):
    """For each hostile value: the keys that take it. Every refusal names the key."""
    raw, secrets = BASES[base]
    accepted = defaultdict(list)
    for path in string_keys(raw):
        for name, hostile in {**HOSTILE, **CONTROL}.items():
            # Appended to the valid value too: a validator that checks the
            # start of a value must not let the rest through.
            for value in (hostile, get(raw, path) + hostile):
                try:
                    validate(changed(raw, path, value), secrets, check_files=False)
                except ConfigError as err:
                    # The key, or the list it is an entry of (which quotes the entry).
                    keys = {f"personal-as:{key_path(path)}", f"personal-as:{key_path(path[:-1])}"
                            if isinstance(path[-1], int) else f"personal-as:{key_path(path)}"}
                    assert any(p.startswith((k + " ", k + ":")) for p in err.problems for k in keys), \
                        (keys, err.problems)
                else:
                    accepted[name].append((path, value))
    return accepted


def put_all(raw, keys):
    for path, value in keys:
        node = raw
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value
    return raw


@pytest.mark.parametrize("base", BASES)
def test_every_string_key_refuses_a_hostile_value_naming_the_key_or_it_never_reaches_a_shell(
        base, sandbox, tmp_path, monkeypatch):
    from tests.unit import test_program as program_test

    for name in ("krill", "krillc"):  # the image's context takes stand-ins, as in test_program
        (tmp_path / name).write_text("stand-in")
    monkeypatch.setattr(program_test.program, "krill_binaries",
                        lambda arch=None: {n: str(tmp_path / n) for n in ("krill", "krillc")})

    accepted = accepted_and_refused(base)
    assert not {name for name in CONTROL if accepted.get(name)}, "a control character was accepted"
    stack_file = {"prod": program_test.PROD_EXAMPLE, "lab": program_test.LAB}[base]

    def scripts(change=None) -> dict:
        program_test.MOCKS.resources.clear()
        program_test.run_program(stack_file, change)
        return {(name, k): v for _, name, inputs in program_test.MOCKS.resources
                for k, v in inputs.items() if k in SCRIPT_INPUTS and isinstance(v, str)}

    baseline = scripts()
    # One program run for all of it where the config takes it: each key gets
    # every hostile value it accepted, one after another in one string.
    # Otherwise a run per hostile value.
    raw, secrets = BASES[base]

    def takes(path, value) -> bool:
        try:
            validate(put_all(copy.deepcopy(raw), [(path, value)]), secrets, check_files=False)
            return True
        except ConfigError:
            return False

    joined = {}  # each key: as many of its hostile values, one after another, as it takes
    left = defaultdict(list)  # the rest: one value per key in each further run
    for keys in accepted.values():
        for path, value in keys:
            if path not in joined:
                joined[path] = value
            elif takes(path, joined[path] + value):
                joined[path] += value
            else:
                left[path].append(value)

    def check(keys) -> list[str]:
        """Every script the values changed parses and runs only allowed
        commands; returns those scripts."""
        now = scripts(lambda raw: put_all(raw, keys))
        landed = [s for where, s in now.items() if s != baseline.get(where)]
        for script in landed:
            parses(script)
            runs_only_allowed_commands(sandbox, script)
        return landed

    landed = check(list(joined.items()))
    assert landed, "no accepted value reached any script: this test would prove nothing"
    # The rest only for keys whose value reached a script's text (quoted or
    # not): a key that travels as data (stdin) or not at all cannot.
    reaching = {path for path, value in joined.items() if any(value in s or sh_word(value) in s for s in landed)}
    left = {path: values for path, values in left.items() if path in reaching}
    print(f"{base}: {len(landed)} scripts changed; keys in a script's text: {sorted(map(key_path, reaching))}")
    for i in range(max((len(v) for v in left.values()), default=0)):
        check([(path, values[i]) for path, values in left.items() if i < len(values)])
