"""What only real machines can show: packages that pick their own uids, a
home box with services of its own, and a user who works through sudo."""

from __future__ import annotations

import json
import re

from tests.infra.bird import wait_until
from tests.lab.conftest import pulumi
from tests.vmlab.conftest import homes_own_services_answer


def test_homes_own_services_still_answer_after_the_first_up(client, plan):
    """The household server keeps its other jobs: Apache on :80, Debian's
    nginx on :443, a dashboard on :3000, reached from the lab's client over
    the routed path through peer, transit and rir, and on home's loopback."""
    assert wait_until(lambda: not homes_own_services_answer(client, plan), 30), homes_own_services_answer(client, plan)


def test_homes_own_services_keep_their_ports_and_krill_took_the_configured_one(home, cfg):
    listeners = home.check_output("ss -Htlnp").splitlines()

    def owners(port):
        return {m for line in listeners if re.search(rf":{port}\s", line) for m in re.findall(r'"([^"]+)"', line)}

    assert owners(80) == {"apache2"} and owners(443) == {"nginx"} and owners(3000) == {"busybox"}
    assert cfg.krill.port != 3000 and owners(cfg.krill.port) == {"krill"}
    # Debian's nginx is the household's: running, enabled, never masked.
    assert home.check_output("systemctl is-enabled nginx") == "enabled"
    assert home.check_output("systemctl is-active nginx") == "active"


def test_bird_runs_as_the_uid_debians_bird2_package_chose(vps):
    uid = int(vps.check_output("id -u bird"))
    assert uid != 180, "the guest's bird2 package picked its own uid; 180 is only the image's"
    bird = [p for p in vps.process.filter(comm="bird")]
    assert bird and all(p.euid == uid for p in bird), [(p.pid, p.euid) for p in bird]
    assert vps.file("/run/bird").uid == uid


def test_krill_runs_as_the_krill_user_of_home(home):
    uid = int(home.check_output("id -u krill"))
    krill = [p for p in home.process.filter(comm="krill")]
    assert krill and all(p.euid == uid for p in krill)
    conf = home.file("/etc/krill/krill.conf")
    assert (conf.uid, conf.mode) == (uid, 0o600)


def test_nothing_is_installed_for_nothing(vps, home):
    def installed(host, pkg):
        return host.run(f"dpkg-query -W -f='${{Status}}' {pkg}").stdout.endswith("install ok installed")

    assert installed(vps, "bird2") and installed(vps, "docker.io")
    # home has no router: no BIRD there, and no python3 for talking to Krill;
    # its own nginx serves as the tool that checks the proxy's config.
    assert not installed(home, "bird2")
    assert not installed(home, "python3")
    assert not installed(home, "nginx-light")
    # The tools' own daemons never run on a host the stack installed them on: they are masked.
    for host, unit in ((vps, "bird"), (vps, "nginx")):
        assert host.run(f"systemctl is-enabled {unit}").stdout.strip() == "masked"


def test_home_is_managed_by_a_non_root_user_through_sudo(home):
    from tests.infra.stack import outputs

    login = outputs()["hosts"]["home"]["ssh"].split("@")[0]
    assert login != "root"
    # testinfra runs as that user through sudo, as the stack does.
    assert home.check_output("id -un") == "root"
    assert home.run("sudo -k; sudo -n -l").rc == 0


def test_the_management_bridge_carries_only_ssh_and_the_apt_proxy(vps):
    """From a guest, the machine answers on the apt proxy and nothing else:
    not its sshd, not the package mirror behind it (a guest's only way to
    packages is the proxy)."""
    proxy = "203.0.113.241"  # scripts/guests/common.sh: the machine's side of the guests' bridge

    def knock(address, port):
        return vps.run(f"timeout 4 bash -c '</dev/tcp/{address}/{port}'").rc

    assert knock(proxy, 3142) == 0
    assert knock(proxy, 22) != 0
    assert knock("203.0.113.80", 80) != 0  # the mirror the proxy fetches from


def test_preview_refuses_ports_homes_own_services_hold_naming_key_port_and_process(restore_stack_file):
    """The config asks for what a fresh install would: Krill on 3000, its
    proxy on 443 and 80. On this home those are the dashboard's, nginx's and
    Apache's, and preview says so over SSH, before anything is touched."""
    for key, value in (("krill.port", "3000"), ("krill.proxy.https_port", "443"), ("krill.proxy.http_port", "80")):
        pulumi("config", "set", "--path", key, value)
    res = pulumi("preview", check=False)
    out = res.stdout + res.stderr
    assert res.returncode != 0, out[-3000:]
    for key, port, process in (("krill.port", 3000, "busybox"), ("krill.proxy.https_port", 443, "nginx"),
                               ("krill.proxy.http_port", 80, "apache2")):
        assert re.search(rf"{re.escape(key)}: port {port} on home is taken by {process} \(pid \d+\)", out), out[-3000:]


def test_the_emulated_guests_probe_each_service_every_5_min_with_its_images_own_probe(vps, home):
    """On a TCG guest each probe is a `docker exec` (about 2.5 s of a vCPU):
    the stack runs the image's own probe every 5 min there, not every 30 s,
    and gives it 30 s to answer. A service running for longer than that
    has been probed, and is healthy."""
    from components.stack import EMULATED_HEALTH_PROBE

    interval, timeout = EMULATED_HEALTH_PROBE["interval"], EMULATED_HEALTH_PROBE["timeout"]
    for name, host in (("vps", vps), ("home", home)):
        ids = host.check_output(f"docker ps -q --filter label=personal-as.host={name}").split()
        probed = 0
        for c in json.loads(host.check_output("docker inspect " + " ".join(ids))):
            own = (json.loads(host.check_output(f"docker image inspect {c['Image']}"))[0]["Config"] or {}).get("Healthcheck")
            if not own:
                assert not c["Config"].get("Healthcheck"), c["Name"]
                continue
            probe = c["Config"]["Healthcheck"]
            assert probe["Test"] == own["Test"], (c["Name"], probe, own)
            assert (probe["Interval"], probe["Timeout"]) == (interval * 10**9, timeout * 10**9), (c["Name"], probe)
            probed += 1
            up_for = int(host.check_output(f"echo $(( $(date +%s) - $(date -d {c['State']['StartedAt']} +%s) ))"))
            if up_for > interval + timeout + 30:
                assert c["State"]["Health"]["Status"] == "healthy", (c["Name"], c["State"]["Health"])
        assert probed, f"no service on {name} has a probe of its image's"
