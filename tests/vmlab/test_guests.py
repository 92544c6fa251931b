"""What only real machines can show: packages that pick their own uids, a
home box with services of its own, and a user who works through sudo."""

from __future__ import annotations

import re

from tests.infra.bird import wait_until

HOME_PAGE = "home's own page"


def test_homes_apache_still_serves_its_own_page_to_the_client_side(client, plan):
    """The household server keeps its other job: Apache on :80, reached from
    the lab's client over the routed path through peer, transit and rir."""
    home6 = next(a.split("/")[0] for i, a in plan.addresses_of("home") if i == "eth-rir")
    assert wait_until(lambda: client.run(f"curl -fsS -m 5 http://[{home6}]/").rc == 0, 30)
    assert HOME_PAGE in client.check_output(f"curl -fsS -m 5 http://[{home6}]/")


def test_apache_keeps_port_80_on_home(home):
    owners = [line for line in home.check_output("ss -Htlnp").splitlines() if re.search(r":80\s", line)]
    assert owners and all("apache2" in line for line in owners), owners


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
    # home has no router: no BIRD there, and no python3 for talking to Krill.
    assert not installed(home, "bird2")
    assert not installed(home, "python3")
    # The tools' own daemons never run on the host: they are masked.
    for host, unit in ((vps, "bird"), (vps, "nginx"), (home, "nginx")):
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
