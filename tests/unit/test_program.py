"""The program's resource graph and its policies, with Pulumi mocks.

Runs on the lab stack and on the prod example: images for bird, krill and
nginx; the hosts; the services; secrets kept secret; Krill on localhost; a
BIRD export filter that admits only the user's prefixes.
"""

from __future__ import annotations

import sys
import re

import pulumi
import pytest

from tests.stack_files import LAB, PROD_EXAMPLE, VMLAB, load_stack_file


class RecordingMocks(pulumi.runtime.Mocks):
    def __init__(self):
        self.resources: list[tuple[str, str, dict]] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        self.resources.append((args.typ, args.name, dict(args.inputs)))
        outs = dict(args.inputs)
        # Dynamic resources compute these; give them plausible values.
        outs.setdefault("container_id", f"{args.name}-id")
        outs.setdefault("image_id", f"sha256:{args.name}")
        if "comment" in outs:
            outs.update(private_key="-----BEGIN OPENSSH PRIVATE KEY-----mock", public_key="ssh-ed25519 AAAA mock")
        if "purpose" in outs:
            outs["value"] = "mock-token-0123456789abcdef"
        if args.typ.endswith("ssh:HostKey"):
            outs["keys"] = outs.get("pinned") or ["ssh-ed25519 AAAAmock"]
        if "common_name" in outs or "names" in outs:
            outs.update(cert_pem="-----BEGIN CERTIFICATE-----mock", key_pem="-----BEGIN PRIVATE KEY-----mock")
        return [f"{args.name}-id", outs]

    def call(self, args: pulumi.runtime.MockCallArgs):
        return {}


MOCKS = RecordingMocks()
pulumi.runtime.set_mocks(MOCKS, project="personal-as", stack="lab", preview=False)

# Imported after set_mocks, as the program would be.
from components import stack as program  # noqa: E402
from components.config import validate  # noqa: E402
from components.service import service_urn  # noqa: E402


@pytest.fixture(autouse=True)
def fake_krill_binaries(tmp_path, monkeypatch):
    """The unit tier needs no Krill build: the image's context takes stand-ins."""
    for name in ("krill", "krillc"):
        (tmp_path / name).write_text("stand-in")
    monkeypatch.setattr(program, "krill_binaries", lambda arch=None: {n: str(tmp_path / n) for n in ("krill", "krillc")})
    MOCKS.resources.clear()


def run_program(path, change=None):
    """Run the program under mocks; return its outputs resolved, with secretness.
    `change(raw)` edits the stack file's config first.

    pulumi.runtime.test waits for every registration before it returns, so
    MOCKS.resources is complete afterwards.
    """
    raw, secrets = load_stack_file(path, placeholder="unit-secret")
    if change:
        change(raw)
    resolved: dict[str, tuple[object, bool]] = {}

    @pulumi.runtime.test
    def program_run():
        outputs = program.build(validate(raw, secrets, check_files=False, placeholders_ok=True), path.name.split(".")[1])

        def keep(key):
            out = pulumi.Output.from_input(outputs[key])
            return pulumi.Output.all(out, out.is_secret()).apply(lambda v: resolved.__setitem__(key, tuple(v)))

        return pulumi.Output.all(*[keep(k) for k in outputs])

    program_run()
    return resolved


def names_of(type_suffix: str) -> set[str]:
    return {name for typ, name, _ in MOCKS.resources if typ.endswith(type_suffix)}


def inputs_of(name: str) -> dict:
    return next(inputs for _, n, inputs in MOCKS.resources if n == name)


def secret_value(value):
    """The plaintext of a secret input as the engine receives it; fails if it is not secret."""
    from pulumi.runtime.rpc import _special_secret_sig, _special_sig_key

    assert isinstance(value, dict) and value.get(_special_sig_key) == _special_secret_sig, f"not secret: {value!r:.60}"
    return value["value"]


STACKS = pytest.mark.parametrize("path", [LAB, PROD_EXAMPLE], ids=["lab", "prod-example"])


@STACKS
def test_images_for_bird_krill_and_nginx_are_built(path):
    run_program(path)
    assert {"image-bird", "image-krill", "image-nginx"} <= names_of("image:ContainerImage")


def home_on_arm64(raw):
    raw["hosts"]["home"]["arch"] = "arm64"


def container_image(service_container: str) -> str:
    return next(i["image"] for t, _, i in MOCKS.resources if t.endswith("docker:Container") and i["name"] == service_container)


def test_an_arm64_home_gets_arm64_images_and_vps_keeps_its_own(monkeypatch):
    checked = []
    monkeypatch.setattr(program, "require_cross_build", lambda arch, hosts, *_: checked.append((arch, hosts)))
    run_program(PROD_EXAMPLE, home_on_arm64)
    assert checked == [("arm64", ["home"])]
    cross = {n: inputs_of(f"{n}-build") for n in ("image-krill-arm64", "image-nginx-arm64")}
    for inputs in cross.values():
        assert inputs["platform"] == "linux/arm64"
        assert inputs["build_args"]["BASE_IMAGE"].endswith("-arm64")
    assert "image-bird-arm64" not in names_of("image:ContainerImage")  # vps is amd64
    assert container_image("prod-home-krill") == cross["image-krill-arm64"]["tag"]
    assert container_image("prod-home-nginx") == cross["image-nginx-arm64"]["tag"]
    assert container_image("prod-vps-nginx") == inputs_of("image-nginx-build")["tag"] != container_image("prod-home-nginx")
    assert inputs_of("image-nginx-build")["platform"] == ""


def test_an_arm64_host_on_a_machine_not_set_up_for_it_is_refused_before_any_resource(monkeypatch, tmp_path):
    from components import cross_build
    from components.config import ConfigError

    monkeypatch.setattr(cross_build, "BINFMT", tmp_path)  # no qemu-aarch64 registered
    raw, secrets = load_stack_file(PROD_EXAMPLE, placeholder="unit-secret")
    home_on_arm64(raw)
    with pytest.raises(ConfigError) as err:
        program.build(validate(raw, secrets, check_files=False, placeholders_ok=True, build_arch="amd64"), "prod")
    message = str(err.value)
    assert "personal-as:hosts.home.arch = 'arm64'" in message, message
    assert "make bootstrap-arm64" in message and "qemu-aarch64 is not registered" in message, message
    assert MOCKS.resources == []


@STACKS
def test_vps_and_home_hosts_exist(path):
    run_program(path)
    assert {"vps", "home"} <= names_of("host:LabHost" if path == LAB else "host:SshHost")


def test_lab_has_the_whole_world_around_the_user():
    run_program(LAB)
    assert names_of("host:LabHost") == {"vps", "gw", "transit", "peer", "client", "home", "rir", "validator", "acme", "irr"}
    containers = {inputs["name"] for typ, _, inputs in MOCKS.resources if typ.endswith("docker:Container")}
    assert {"lab-vps", "lab-vps-bird", "lab-vps-nginx", "lab-transit-bird", "lab-peer-bird",
            "lab-home-krill", "lab-home-nginx"} <= containers


def test_lab_has_the_rpki_chain_and_a_validator():
    run_program(LAB)
    assert names_of("rpki:RirKrill") == {"rir"}
    assert names_of("rpki:DelegatedCa") == {"user-ca"}
    assert names_of("rpki:Validator") == {"validator"}
    containers = {inputs["name"] for typ, _, inputs in MOCKS.resources if typ.endswith("docker:Container")}
    assert {"lab-rir-krill", "lab-validator-validator"} <= containers


def test_roas_from_stack_config_reach_the_users_krill():
    run_program(LAB)
    # krillc's own notation: prefix-max_length => origin, one ROA a line.
    assert inputs_of("user-ca-roas")["stdin"] == "2001:db8:100::/48-48 => 65536\n"


@STACKS
def test_services_run_on_their_hosts(path):
    run_program(path)
    assert {"vps-router-bird", "route0-nginx", "home-krill-krill", "home-krill-nginx"} <= names_of("host:Service")


@STACKS
def test_a_real_hosts_bird_config_is_checked_by_the_images_bird(path):
    run_program(path)
    create = inputs_of("vps-router-config")["create"]
    if path == LAB:
        # A lab host's BIRD is the image's own release: it checks with it.
        assert "docker run" not in create and 'bird -p -c "$new"' in create
    else:
        # A real host's bird2 package may be another release: the image checks,
        # and it is on the host before the config (its transfer is made first).
        assert "--entrypoint bird" in create and "personal-as/bird:" in create, create
        assert "vps-router-bird-image" in names_of("docker:ImageTransfer")


def test_the_alias_names_the_transfer_where_it_was_before():
    router = "urn:pulumi:prod::personal-as::personal-as:net:BirdRouter::vps-router"
    assert service_urn(router, "vps-router-bird") == \
        "urn:pulumi:prod::personal-as::personal-as:net:BirdRouter$personal-as:host:Service::vps-router-bird"


@STACKS
def test_bgp_password_is_a_secret_output(path):
    conf, secret = run_program(path)["bird_conf"]
    assert secret, "bird.conf holds the BGP password and must be secret"
    assert 'password "unit-secret-1";' in conf


@STACKS
def test_krill_admin_token_is_a_secret_output(path):
    token, secret = run_program(path)["krill_admin_token"]
    assert secret and len(token) >= 16


@STACKS
def test_users_krill_listens_on_localhost_only(path):
    outputs = run_program(path)
    assert outputs["krill_listen_ip"] == ("127.0.0.1", False)
    assert re.search(r'^ip = "127\.0\.0\.1"$', secret_value(inputs_of("home-krill-config")["stdin"]), re.M)


@STACKS
def test_bird_export_filter_admits_only_the_users_prefixes(path):
    outputs = run_program(path)
    conf = outputs["bird_conf"][0]
    own = re.search(r"define OWN_PREFIXES_V6 = \[ (.*) \];", conf).group(1).split(", ")
    assert own == outputs["prefixes"][0]
    exports = re.findall(r"export filter (\w+);", conf)
    assert exports, "every BGP channel must export through a named filter"
    for name in exports:
        body = re.search(rf"filter {name} \{{(.*?)\n\}}", conf, re.S).group(1)
        lines = [line.strip() for line in body.strip().splitlines() if not line.strip().startswith("#")]
        # Only the user's prefixes pass; what passes may only be tagged.
        assert lines[0] == f"if net !~ OWN_PREFIXES_V{name[-1]} then reject;"
        assert lines[-1] == "accept;"
        assert all(re.fullmatch(r"bgp_(large_)?community\.add\(\([\d, ]+\)\);", line) for line in lines[1:-1]), lines


@STACKS
def test_rendered_configs_with_secrets_reach_hosts_only_as_secrets(path, portal_responses):
    run_program(path)
    # The lab's Krill proxy takes its key from ACME, on the host itself.
    key = ("home-krill-tls-key",) if path == PROD_EXAMPLE else ()
    for name in ("vps-router-config", "home-krill-config", "route0-acme-account-key", *key):
        secret_value(inputs_of(name)["stdin"])


@STACKS
def test_secrets_never_reach_container_environments(path):
    run_program(path)
    for typ, name, inputs in MOCKS.resources:
        if typ.endswith("docker:Container"):
            env = " ".join(f"{k}={v}" for k, v in (inputs.get("env") or {}).items())
            assert "unit-secret" not in env and "mock-token" not in env, name


def test_the_users_aspa_reaches_the_users_krill_and_a_backup_follows_it():
    run_program(LAB)
    assert inputs_of("user-ca-aspa")["stdin"] == "AS65536 => AS64496\n"
    assert "aspas list" in inputs_of("user-ca-aspa")["drift_check"]
    assert "home-backup-after-aspa" in {name for _, name, _ in MOCKS.resources}


def test_aspa_false_makes_no_aspa():
    run_program(LAB, change=lambda raw: raw.__setitem__("aspa", False))
    named = {name for _, name, _ in MOCKS.resources}
    assert "user-ca-roas" in named and not {"user-ca-aspa", "home-backup-after-aspa"} & named


def test_prod_onboarding_writes_out_the_requests_for_the_parents_portal():
    outputs = run_program(PROD_EXAMPLE)
    assert {"krill_child_request_xml", "krill_publisher_request_xml"} <= set(outputs)
    assert names_of("rpki:PortalOnboarding") == {"user-ca"}
    named = {name for _, name, _ in MOCKS.resources}
    assert {"user-ca-child-request", "user-ca-publisher-request"} <= named
    # Without the responses nothing is sent to a parent, and no ROA is made yet.
    assert not {"user-ca-set-parent", "user-ca-set-repo", "user-ca-roas", "user-ca-aspa"} & named


def test_prod_onboarding_takes_the_portals_responses_from_files(portal_responses):
    run_program(PROD_EXAMPLE)
    assert inputs_of("user-ca-set-parent")["stdin"] == "<parent_response/>"
    assert inputs_of("user-ca-set-repo")["stdin"] == "<repository_response/>"
    assert inputs_of("user-ca-roas")["stdin"] == "2a0f:85c1:362::/48-48 => 215634\n"
    assert inputs_of("user-ca-aspa")["stdin"] == "AS215634 => AS53667\n"


def test_vmlab_points_kind_ssh_at_real_machines_inside_the_lab_world():
    run_program(VMLAB)
    # vps and home are the user's machines, reached over SSH with pinned keys;
    # everything around them is the lab world, as in `lab`.
    assert names_of("host:SshHost") == {"vps", "home"}
    # vmlab has no irr section: no registry host (the registry is all lab hosts).
    assert names_of("host:LabHost") == {"gw", "transit", "peer", "client", "rir", "validator", "acme"}
    assert names_of("ssh:HostKey") == {"vps-host-key", "home-host-key"}
    cables = {inputs["inner_if"]: inputs["bridge"] for typ, _, inputs in MOCKS.resources if typ.endswith("GuestCable")}
    assert cables == {"eth-vps": "pl-vmlab-vps", "eth-home": "pl-vmlab-home"}
    containers = {inputs["name"] for typ, _, inputs in MOCKS.resources if typ.endswith("docker:Container")}
    assert {"vmlab-vps-bird", "vmlab-vps-nginx", "vmlab-home-krill", "vmlab-home-nginx"} <= containers
    assert not {"vmlab-vps", "vmlab-home"} & containers


def test_services_on_real_machines_get_their_images_shipped_and_use_the_hosts_engine():
    run_program(VMLAB)
    assert {"vps-router-bird-image", "route0-nginx-image", "home-krill-krill-image",
            "home-krill-nginx-image"} <= names_of("docker:ImageTransfer")
    bird = inputs_of("vps-router-bird-container")
    assert bird["network_mode"] == "host" and bird["engine"]["host"] == "203.0.113.242"


def test_each_real_host_installs_only_what_its_roles_use():
    run_program(VMLAB)
    vps, home = inputs_of("vps-packages")["create"], inputs_of("home-packages")["create"]
    assert "bird2" in vps and "nginx-light" in vps
    assert "bird2" not in home and "python3" not in home and "useradd --system" in home


def test_krill_speaks_through_krillc_in_its_container_on_a_real_home():
    run_program(VMLAB)
    script = inputs_of("user-ca-roas")["create"]
    assert 'docker exec -i -u "$krill_owner"' in script and "-home-krill " in script
    commands = [line for line in script.splitlines() if not line.lstrip().startswith("#")]
    assert not any("curl " in line or "python3" in line for line in commands)


def test_lab_runs_pebble_on_acme_and_route0s_client_trusts_its_directory_by_the_lab_ca():
    outputs = run_program(LAB)
    assert outputs["route0_url"] == ("https://route0.lab/", False)
    assert outputs["route0_address"] == ("2001:db8:100::80", False)
    containers = {inputs["name"] for typ, _, inputs in MOCKS.resources if typ.endswith("docker:Container")}
    assert {"lab-acme", "lab-acme-pebble", "lab-vps-acme"} <= containers
    assert names_of("acme:TrustedRoots") == {"acme-ca-trusted-roots"}
    assert "route0-acme-directory-ca" in names_of("remote:Command")


@pytest.fixture
def portal_responses(tmp_path, monkeypatch):
    """The prod example with the parent's and the repository's responses
    saved, as the user does after handing over the requests."""
    from tests import stack_files

    parent, repo = tmp_path / "parent.xml", tmp_path / "repo.xml"
    parent.write_text("<parent_response/>")
    repo.write_text("<repository_response/>")
    original = stack_files.load_stack_file

    def with_responses(path, placeholder="test-secret-value"):
        raw, secret = original(path, placeholder)
        if path == PROD_EXAMPLE:
            raw["krill"] = {**raw["krill"], "parent_response_file": str(parent),
                            "repository_response_file": str(repo)}
        return raw, secret

    monkeypatch.setattr(sys.modules[__name__], "load_stack_file", with_responses)


def test_prod_before_the_parents_response_serves_plain_http_and_says_what_to_do_next():
    outputs = run_program(PROD_EXAMPLE)
    stage, _ = outputs["onboarding"]
    assert stage["stage"] == "awaiting-parent"
    assert "krill_child_request_xml" in stage["next_step"] and "parent_response_file" in stage["next_step"]
    # No HTTP-01 check can pass before the route is valid: none is tried.
    assert outputs["route0_url"] == ("http://[2a0f:85c1:362::1]/", False)
    assert not {n for n in names_of("remote:Command") if n.startswith("route0-acme")}
    assert not names_of("acme:AcmeAccount") & {"route0-acme"}


def test_a_lab_world_is_onboarded_by_the_stack_itself():
    stage, _ = run_program(LAB)["onboarding"]
    assert stage["stage"] == "lab"


def lab_portal(responses: dict[str, str] | None = None):
    """vmlab's config as the prod guide's run on the guests has it: the lab's
    LIR plays the parent's portal, with the responses saved so far."""
    def change(raw):
        raw["lab_portal"] = True
        raw["krill"] = {**raw["krill"], **(responses or {})}
    return change


def test_with_lab_portal_a_lab_world_goes_through_the_prods_stages(tmp_path):
    outputs = run_program(VMLAB, lab_portal())
    assert outputs["onboarding"][0]["stage"] == "awaiting-parent"
    assert {"krill_child_request_xml", "krill_publisher_request_xml"} <= set(outputs)
    named = {name for _, name, _ in MOCKS.resources}
    # The lab's RIR, LIR and validator are there; the stack does not onboard
    # the user's CA with them itself, and no ACME is tried before the route.
    assert names_of("rpki:RirKrill") == {"rir"} and names_of("rpki:PortalOnboarding") == {"user-ca"}
    assert not names_of("rpki:DelegatedCa")
    assert not {"user-ca-add-child", "user-ca-set-parent", "user-ca-roas", "route0-routed"} & named
    assert outputs["route0_url"] == ("http://[2001:db8:100::80]/", False)

    parent, repo = tmp_path / "parent.xml", tmp_path / "repo.xml"
    parent.write_text('<parent_response parent_handle="lir"/>')
    repo.write_text("<repository_response/>")
    MOCKS.resources.clear()
    outputs = run_program(VMLAB, lab_portal({"parent_response_file": str(parent)}))
    assert outputs["onboarding"][0]["stage"] == "awaiting-repository"
    # The parent is known by the handle in its response: the lab's LIR.
    assert "--parent lir " in inputs_of("user-ca-set-parent")["create"]

    MOCKS.resources.clear()
    outputs = run_program(VMLAB, lab_portal({"parent_response_file": str(parent),
                                             "repository_response_file": str(repo)}))
    assert outputs["onboarding"][0]["stage"] == "published"
    # Published: the ROAs, then (a lab world waits for it) route0's certificate
    # once the CA reaches route0 over the route those ROAs make valid.
    assert inputs_of("user-ca-roas")["stdin"] == "2001:db8:100::/48-48 => 65536\n"
    assert {"route0-routed", "route0-acme-issued"} <= names_of("remote:Command")
    assert outputs["route0_url"] == ("https://route0.lab/", False)


def test_lab_portal_outside_a_lab_world_is_refused_with_its_key():
    from components.config.errors import ConfigError

    raw, secrets = load_stack_file(PROD_EXAMPLE, placeholder="unit-secret")
    raw["lab_portal"] = True
    with pytest.raises(ConfigError, match=r"lab_portal.*only a stack that faces a lab world"):
        validate(raw, secrets, check_files=False, placeholders_ok=True)


def test_prod_gets_route0s_certificate_from_lets_encrypt_with_the_public_roots(portal_responses):
    outputs = run_program(PROD_EXAMPLE)
    assert outputs["onboarding"][0]["stage"] == "published"
    assert outputs["route0_url"] == ("https://www.example.net/", False)
    assert names_of("acme:AcmeCa") == set() and names_of("acme:TrustedRoots") == set()
    assert "route0-acme-directory-ca" not in names_of("remote:Command")
    assert "acme-v02.api.letsencrypt.org" in inputs_of("route0-acme-config")["stdin"]


def test_once_published_prod_up_starts_the_acme_client_and_does_not_wait_for_the_route(portal_responses):
    """Relying parties may take an hour to find the new ROA: an `up` that
    waited for the certificate would be red for a reason that is not one.
    The client's own loop switches route0 to HTTPS; a lab world's `up` waits."""
    outputs = run_program(PROD_EXAMPLE)
    assert "retries on its own" in outputs["onboarding"][0]["next_step"]
    containers = {inputs["name"] for typ, _, inputs in MOCKS.resources if typ.endswith("docker:Container")}
    assert any(c.endswith("-vps-acme") for c in containers), containers
    assert "route0-acme-issued" not in names_of("remote:Command")
    run_program(LAB)
    assert "route0-acme-issued" in names_of("remote:Command")


@STACKS
def test_the_acme_account_key_reaches_the_host_only_as_a_secret(path, portal_responses):
    run_program(path)
    secret_value(inputs_of("route0-acme-account-key")["stdin"])


def test_without_acme_route0_is_plain_http_and_no_client_runs():
    outputs = run_program(LAB, change=lambda raw: raw.pop("acme"))
    assert outputs["route0_url"] == ("http://[2001:db8:100::80]/", False)
    assert names_of("acme:AcmeClient") == set()


@STACKS
def test_irr_objects_are_a_secret_output_and_hold_the_hash_never_the_password(path):
    outputs = run_program(path)
    inputs = inputs_of("irr-maintainer-password-hash")
    secret_value(inputs["password"])  # reaches the hashing resource only as a secret
    text, secret = outputs["irr_objects"]
    assert secret and "route6:" in text and "auth:           BCRYPT-PW " in text
    assert "unit-secret" not in text


def test_the_maintainer_hash_is_kept_while_the_password_is_the_same():
    from components.providers.password_hash import _HashProvider

    made = _HashProvider().create({"password": "a long password"}).outs
    assert made["hash"].startswith("$2b$12$") and "a long password" not in made["hash"]
    assert _HashProvider().diff("id", made, {"password": "a long password"}).changes is False
    assert _HashProvider().diff("id", made, {"password": "another password"}).changes is True


def test_the_lab_registers_the_users_objects_in_its_own_registry_under_the_maintainers_password():
    run_program(LAB)
    assert names_of("irr:IrrObjects") == {"irr-rir-objects", "irr-maintainer", "irr-registry-assignment",
                                          "irr-routing-objects"}
    routing = inputs_of("irr-routing-objects")
    # The maintainer's own password, never the registry's override, for its objects.
    [password] = secret_value(routing["passwords"])
    assert password.startswith("unit-secret") and routing.get("override") is None
    objects = "".join(routing["objects"]) if isinstance(routing["objects"], list) else secret_value(routing["objects"])
    assert "route6:         2001:db8:100::/48" in objects and "aut-num:        AS65536" in objects
    # Only a new maintainer is made by the registry's administrator (the stack, in the lab).
    secret_value(inputs_of("irr-maintainer")["new_maintainer_override"])
    assert routing["url"] == "http://irr.lab:8080"


def test_the_lab_transit_filters_its_customer_by_bgpq4s_lists_from_the_registry():
    run_program(LAB)
    containers = {inputs["name"]: inputs for typ, _, inputs in MOCKS.resources if typ.endswith("docker:Container")}
    job = containers["lab-transit-irr-filter"]
    env = dict(e.split("=", 1) for e in job["envs"]) if "envs" in job else job["env"]
    assert env["IRR_HOST"] == "irr.lab" and env["IRR_SOURCE"] == "LAB"
    assert env["IRR_LISTS"] == ("6:IRR_AS65536_V6:AS65536:AS-PERSONAL 4:IRR_AS65536_V4:AS65536:AS-PERSONAL "
                                 "6/128:IRR_AS65536_V6_MORE:AS65536:AS-PERSONAL 4/32:IRR_AS65536_V4_MORE:AS65536:AS-PERSONAL")


def test_prod_submits_only_when_asked_and_then_without_an_override():
    run_program(PROD_EXAMPLE)
    assert names_of("irr:IrrObjects") == set()

    def submit(raw):
        raw["irr"].update(source="RADB", submit=True, api_url="https://irrd.example.net/")
    run_program(PROD_EXAMPLE, change=submit)
    assert names_of("irr:IrrObjects") == {"irr-maintainer", "irr-routing-objects"}
    maintainer = inputs_of("irr-maintainer")
    assert maintainer.get("new_maintainer_override") is None and maintainer.get("via") is None
    assert maintainer["url"] == "https://irrd.example.net/"


def test_up_waits_drain_time_only_when_maintenance_goes_on():
    run_program(LAB)
    idle = inputs_of("vps-router-drain")
    assert idle["create"] == "true" and idle["triggers"] == []

    def maintenance(raw):
        raw["maintenance"] = True
        raw["drain_time"] = 42
    MOCKS.resources.clear()
    run_program(LAB, maintenance)
    draining = inputs_of("vps-router-drain")
    # A changed trigger is an update, which runs the wait once, after the
    # router's config (with GRACEFUL_SHUTDOWN) is applied.
    assert draining["create"] == "sleep 42" and draining["triggers"] == ["transit"]
    assert draining["timeout"] >= 42


def test_in_a_lab_world_issuance_waits_until_the_ca_reaches_route0_over_the_announced_prefix():
    run_program(VMLAB)
    gate = inputs_of("route0-routed")
    assert "curl" in gate["create"] and "http://route0.lab/healthz" in gate["create"]
    # Bounded, with the bound and the likely cause in its failure.
    assert "within 420 s" in gate["create"] and "RPKI-invalid" in gate["create"]
    assert gate["timeout"] > 420


def test_prod_has_no_routed_gate_of_the_lab_ca():
    run_program(PROD_EXAMPLE)
    assert "route0-routed" not in names_of("remote:Command")


def test_a_change_that_cuts_a_lab_vps_off_rolls_back_after_45_s_and_on_a_real_vps_after_90():
    run_program(LAB)
    assert "\nverify_seconds=45\n" in inputs_of("vps-router-config")["create"]
    for path in (VMLAB, PROD_EXAMPLE):
        MOCKS.resources.clear()
        run_program(path)
        assert "\nverify_seconds=90\n" in inputs_of("vps-router-config")["create"]


def test_home_validates_every_10_s_in_the_lab_and_180_s_on_an_emulated_home():
    for path, interval in {LAB: "10", VMLAB: "180", PROD_EXAMPLE: "600"}.items():
        MOCKS.resources.clear()
        run_program(path)
        command = inputs_of("home-rpki-status-container")["command"]
        assert command[:2] == ["rpki-status-loop", interval], (path.name, command)


def test_services_on_an_emulated_host_are_probed_every_5_min_and_elsewhere_as_their_image_says():
    from components.stack import EMULATED_HEALTH_PROBE

    for path, schedule in {VMLAB: EMULATED_HEALTH_PROBE, LAB: None, PROD_EXAMPLE: None}.items():
        MOCKS.resources.clear()
        run_program(path)
        services = {name: inputs for typ, name, inputs in MOCKS.resources if typ.endswith("docker:Container")
                    and inputs.get("labels", {}).get("personal-as.host") in ("vps", "home")
                    and inputs.get("labels", {}).get("personal-as.role") != "host"}
        assert services, path.name
        assert {name: inputs.get("health_probe") for name, inputs in services.items()} == \
            {name: schedule for name in services}, path.name
        # The probe's own request bound (curl --max-time) follows the schedule.
        bound = str(schedule["timeout"] - 2) if schedule else None
        assert {name: (inputs.get("env") or {}).get("HEALTH_PROBE_TIMEOUT_S") for name, inputs in services.items()} == \
            {name: bound for name in services}, path.name


def test_every_service_gets_only_its_rows_capabilities_pid_namespace_and_root_file_system():
    from components.privileges import SERVICES

    run_program(LAB)
    services = [(name, inputs) for typ, name, inputs in MOCKS.resources if typ.endswith("docker:Container")
                and inputs.get("labels", {}).get("personal-as.role") not in (None, "host")]
    assert services
    for name, inputs in services:
        row = SERVICES[inputs["labels"]["personal-as.role"]]
        if row.world:
            assert "cap_drop" not in inputs and not inputs.get("cap_add"), name
        else:
            assert inputs["cap_drop"] == ["ALL"] and set(inputs["cap_add"]) == set(row.granted), name
            assert inputs["security_opt"] == ["no-new-privileges:true"], name
            # The host's PID namespace only with a reason; else Docker's own.
            assert bool(inputs.get("pid_mode")) == bool(row.host_pid), name
            assert bool(inputs.get("read_only")) == row.read_only, (name, row.writable)
            assert set(inputs.get("tmpfs") or ()) == set(row.tmpfs or ()), name


def test_the_internet_facing_services_keep_to_their_own_pid_namespace_and_a_read_only_image():
    from components.privileges import SERVICES

    for service in ("nginx", "acme"):
        row = SERVICES[service]
        assert not row.host_pid and row.read_only, service
    assert SERVICES["acme"].user == "own" and SERVICES["acme"].running == ()
    for name, row in SERVICES.items():
        assert row.read_only or row.writable, f"{name}: a writable root file system needs its reason"
