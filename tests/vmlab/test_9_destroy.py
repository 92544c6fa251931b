"""`pulumi destroy --stack vmlab` removes the stack's containers from the
real machines, everything it wrote into their configuration, and the lab
world from this one. The guests themselves, home's own services, and the
user's Krill data (the CA's keys) stay."""

from __future__ import annotations

import pytest

from components.render.provision import DOCKER_DROPIN, START_FAILED
from tests.lab.conftest import docker_lines, pulumi
from tests.infra.stack import STACK
from tests.vmlab.conftest import guest_shell, homes_own_services_answer, pristine_packages

pytestmark = pytest.mark.destructive

# Docker's drop-in of the stack's own and its script (host packages).
DOCKER_FILES = [DOCKER_DROPIN, START_FAILED]
# What the stack writes on a real host (apply scripts, host_file, tmpfiles).
WRITTEN = {
    "vps": ["/etc/sysctl.d/60-personal-as.conf", "/etc/systemd/system/personal-as-firewall.service",
            "/etc/personal-as", "/var/lib/personal-as", "/etc/systemd/network/60-personal-as-dummy0.netdev",
            "/etc/systemd/network/60-personal-as-dummy0.network", "/etc/systemd/network/60-personal-as-eth-gw.network",
            "/etc/tmpfiles.d/personal-as-bird.conf", "/etc/tmpfiles.d/personal-as-nginx.conf",
            "/etc/nginx/personal-as", "/srv/route0", "/run/bird", "/etc/bird/bird.conf",
            "/etc/nginx/tls", "/var/www/acme", "/etc/ssh/sshd_config.d/60-personal-as-metrics.conf",
            "/etc/systemd/resolved.conf.d/60-personal-as.conf", *DOCKER_FILES],
    "home": ["/etc/sysctl.d/60-personal-as.conf", "/etc/systemd/system/personal-as-firewall.service",
             "/etc/personal-as", "/var/lib/personal-as", "/etc/network/interfaces.d/personal-as",
             "/etc/NetworkManager/system-connections/personal-as-eth-rir.nmconnection",
             "/etc/tmpfiles.d/personal-as-nginx.conf", "/etc/nginx/personal-as", "/etc/nginx/tls", "/etc/krill",
             *DOCKER_FILES],
}
# What the stack installs where the host lacks it (home's Apache and nginx
# were there before: the stack uses home's nginx as its config checker).
# Debian 13's cloud image has openssl already (ca-certificates needs it), and
# Debian 12 has no docker-cli: what the pristine disk had is not the stack's.
NEEDED = {"vps": ["bird2", "nginx-light", "docker.io", "docker-cli", "openssl"], "home": ["docker.io"]}


@pytest.fixture(scope="module")
def before(lab_is_up):
    """The guests' state the test compares against, read before destroy."""
    return {
        "vps_forwarding_orig": guest_shell("vps", "grep '^net.ipv6.conf.all.forwarding=' /var/lib/personal-as/sysctl.orig")
        .stdout.strip().split("=", 1)[1],
        "krill_keys": guest_shell("home", "find /var/lib/krill -type f | wc -l").stdout.strip(),
        "masked": {g: guest_shell(g, "cat /var/lib/personal-as/units.masked").stdout.split() for g in ("vps", "home")},
        "installed": {g: installed_packages(g) for g in ("vps", "home")},
    }


def installed_packages(guest: str) -> set[str]:
    listing = guest_shell(guest, "dpkg-query -W -f='${db:Status-Abbrev} ${Package}\\n'").stdout
    return {fields[1] for fields in map(str.split, listing.splitlines()) if fields[0] == "ii"}


@pytest.fixture(scope="module")
def destroyed(before):
    pulumi("destroy", "--yes", "--skip-preview")
    return before


def test_destroy_removes_the_stacks_containers_from_the_guests(destroyed):
    assert docker_lines("ps", "-aq", "--filter", f"label=personal-as.stack={STACK}") == []
    for guest in ("vps", "home"):
        left = guest_shell(guest, "command -v docker >/dev/null && docker ps -aq || true").stdout.split()
        assert left == [], f"{guest} still has {left}"


@pytest.mark.parametrize("guest", ["vps", "home"])
def test_destroy_removes_what_the_stack_wrote_into_the_hosts_configuration(destroyed, guest):
    left = guest_shell(guest, "ls -d " + " ".join(WRITTEN[guest]) + " 2>/dev/null || true").stdout.split()
    assert left == [], f"{guest} still has {left}"
    assert guest_shell(guest, "nft list table inet personal_as", check=False).returncode != 0
    assert "personal-as" not in guest_shell(guest, "cat /etc/hosts").stdout


@pytest.mark.parametrize("guest", ["vps", "home"])
def test_destroy_purges_the_packages_it_installed_and_unmasks_their_units(destroyed, guest):
    pristine = pristine_packages(guest)
    ours = [p for p in NEEDED[guest] if p not in pristine and p in destroyed["installed"][guest]]
    assert "docker.io" in ours, f"the stack installed none of {NEEDED[guest]} on {guest}"
    after = installed_packages(guest)
    assert [p for p in ours if p in after] == [], f"destroy left the stack's packages on {guest}"
    # Every dependency the stack brought in with them went too; what the host had stays.
    left = sorted((destroyed["installed"][guest] - pristine) & after)
    assert left == [], f"destroy left {left} on {guest}, which came in with the stack"
    assert sorted(pristine - after) == [], f"destroy purged packages {guest} had before the stack"
    masked = destroyed["masked"][guest]
    # vps's bird and nginx were the stack's to mask; home's nginx is the household's.
    assert bool(masked) is (guest == "vps"), f"the stack masked {masked} on {guest}"
    for unit in masked:
        state = guest_shell(guest, f"systemctl is-enabled {unit}.service 2>/dev/null || true").stdout.strip()
        assert state != "masked", f"{unit}.service on {guest} is still masked"


def test_destroy_takes_the_prefix_off_vps_and_puts_its_sysctls_back(destroyed):
    assert guest_shell("vps", "ip link show dev dummy0", check=False).returncode != 0
    assert guest_shell("vps", "sysctl -n net.ipv6.conf.all.forwarding").stdout.strip() == destroyed["vps_forwarding_orig"]


def test_destroy_leaves_homes_own_services_and_the_users_ca_keys(destroyed):
    # The lab world (and its client) went with destroy: from home's LAN side and loopback.
    assert homes_own_services_answer() == []
    assert guest_shell("home", "find /var/lib/krill -type f | wc -l").stdout.strip() == destroyed["krill_keys"]
    assert guest_shell("home", "id -u krill", check=False).returncode == 0, "krill's data would lose its owner"
