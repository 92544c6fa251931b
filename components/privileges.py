"""What each service container may do, and why: the one table the
containers are made from and the test reads back (tests/infra/test_privileges.py).

Every service on the user's hosts starts from no capabilities at all
(`cap_drop: ALL`) and gets back only those in its row, with
`no-new-privileges` set: a setuid binary cannot raise it again. Most of the
daemons drop to a user of their own as they start (`bird -u`, `setpriv`),
and then hold no effective capability but what they keep on purpose; the
capabilities granted are what their start needs and are gone from the
running daemon. The lab world's own services (its transit, validator,
registry, ACME CA) are the world around the user, not the user's: they keep
Docker's defaults.
"""

from __future__ import annotations

from dataclasses import dataclass

# BIRD keeps exactly these four when it drops root (-u bird), and fails
# without them: routes in the kernel (NET_ADMIN), port 179
# (NET_BIND_SERVICE), raw sockets and broadcast for its protocols.
BIRD_KEEPS = ("NET_ADMIN", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_RAW")
# To switch to the daemon's own user (setpriv, bird -u, nginx's workers).
SWITCH_USER = ("SETGID", "SETUID")
# An entrypoint that follows the host's uid for its user (a Debian host's
# package picks whatever uid is free): usermod/groupmod rewrite
# /etc/passwd and the user's files, and the start writes into a directory
# the daemon's user owns.
FOLLOW_OWNER = ("CHOWN", "DAC_OVERRIDE", "FOWNER")


@dataclass(frozen=True)
class Privileges:
    granted: tuple[str, ...]  # capabilities the container may hold (its bounding set)
    running: tuple[str, ...]  # what its daemon still holds once started (effective)
    why: str
    world: bool = False  # the lab world's, not the user's: Docker's defaults


SERVICES: dict[str, Privileges] = {
    "bird": Privileges(
        BIRD_KEEPS + SWITCH_USER + FOLLOW_OWNER, BIRD_KEEPS,
        "a router: kernel routes and port 179; the entrypoint follows the host's bird uid, then `bird -u` keeps "
        "only the four network capabilities"),
    "nginx": Privileges(
        ("CHOWN", "NET_BIND_SERVICE") + SWITCH_USER, ("CHOWN", "NET_BIND_SERVICE") + SWITCH_USER,
        "ports 80 and 443; its master (root) starts workers as www-data and makes their temp directories theirs"),
    "acme": Privileges(
        (), (),
        "lego writes certificates into directories root owns and signals nginx (root too): no capability"),
    "krill": Privileges(
        SWITCH_USER + FOLLOW_OWNER, (),
        "the entrypoint follows the host's krill uid, then setpriv runs Krill as krill (port 3000: no privilege)"),
    "node-exporter": Privileges(SWITCH_USER, (), "setpriv to nobody; it reads /proc and statfs"),
    "bird-exporter": Privileges(SWITCH_USER, (), "setpriv to BIRD's own uid, which may use its control socket"),
    "prometheus": Privileges(
        ("CHOWN",) + SWITCH_USER, (), "its data directory made prometheus's, then setpriv to prometheus"),
    "alertmanager": Privileges(
        ("CHOWN", "FOWNER") + SWITCH_USER, (),
        "its data directory and a 0600 copy of its config made prometheus's, then setpriv"),
    "metrics-tunnel": Privileges(
        ("CHOWN", "FOWNER") + SWITCH_USER, (), "a 0600 copy of the key made nobody's, then ssh runs as nobody"),
    "rpki-status": Privileges(
        ("CHOWN", "SYS_CHROOT") + SWITCH_USER, ("CHOWN", "SYS_CHROOT") + SWITCH_USER,
        "its loop (root) makes rpki-client's cache its user's; rpki-client drops to _rpki-client and chroots its "
        "parsers"),
    # The lab world's: not on a user's machine.
    "pebble": Privileges((), (), "the lab's ACME CA", world=True),
    "alert-receiver": Privileges((), (), "the lab's webhook receiver", world=True),
    "validator": Privileges((), (), "the lab's relying party", world=True),
    "postgres": Privileges((), (), "the lab registry's database", world=True),
    "redis": Privileges((), (), "the lab registry's cache", world=True),
    "irrd": Privileges((), (), "the lab's IRR registry", world=True),
    "irr-filter": Privileges((), (), "transit's prefix-list job", world=True),
}


def privileges(service: str) -> Privileges:
    try:
        return SERVICES[service]
    except KeyError:
        raise KeyError(f"service {service!r} has no row in components/privileges.py: say what it may do, "
                       "and why, before it runs") from None
