"""What each service container may do, and why: the one table the
containers are made from and the test reads back (tests/infra/test_privileges.py).

Every service on the user's hosts starts from no capabilities at all
(`cap_drop: ALL`) and gets back only those in its row, with
`no-new-privileges` set: a setuid binary cannot raise it again. Most of the
daemons drop to a user of their own as they start (`bird -u`, `setpriv`),
and then hold no effective capability but what they keep on purpose; the
capabilities granted are what their start needs and are gone from the
running daemon.

Each row also says which PID namespace the service lives in (its own,
unless the stack's `up` must signal it from the host, and then why), which
user its daemon runs as, and whether its root file system is read-only
(with a tmpfs for each path it writes that is not a host directory). The
lab world's own services (its transit, validator, registry, ACME CA) are
the world around the user, not the user's: they keep Docker's defaults.
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


# The image's own files stay as built; these are its scratch space.
NO_TMPFS: tuple[str, ...] = ()


@dataclass(frozen=True)
class Privileges:
    granted: tuple[str, ...]  # capabilities the container may hold (its bounding set)
    running: tuple[str, ...]  # what its daemon still holds once started (effective)
    why: str
    # The daemon's user once started: "root" or "own" (a user of its own).
    user: str = "own"
    # Why the service shares the host's PID namespace; empty: its own.
    host_pid: str = ""
    # A read-only root file system, with a tmpfs at each of these paths;
    # None: writable, and `writable` says why.
    tmpfs: tuple[str, ...] | None = NO_TMPFS
    writable: str = ""
    world: bool = False  # the lab world's, not the user's: Docker's defaults

    @property
    def read_only(self) -> bool:
        return self.tmpfs is not None


# An entrypoint that edits /etc/passwd (usermod) to follow the host's uid
# needs a writable root file system.
FOLLOWS_BY_USERMOD = "the entrypoint gives the image's user the host's uid (usermod), and `bird -u` takes a name"

SERVICES: dict[str, Privileges] = {
    "bird": Privileges(
        BIRD_KEEPS + SWITCH_USER + FOLLOW_OWNER, BIRD_KEEPS,
        "a router: kernel routes and port 179; the entrypoint follows the host's bird uid, then `bird -u` keeps "
        "only the four network capabilities",
        tmpfs=None, writable=FOLLOWS_BY_USERMOD),
    "nginx": Privileges(
        ("CHOWN", "NET_BIND_SERVICE") + SWITCH_USER, ("CHOWN", "NET_BIND_SERVICE") + SWITCH_USER,
        "ports 80 and 443; its master (root, no other capability) starts the workers as www-data, makes their "
        "temp directories theirs and the TLS keys lego hands over root's, 0600; a reload is a request file its "
        "own loop acts on",
        user="root", tmpfs=("/var/lib/nginx", "/var/log/nginx")),
    "acme": Privileges(
        FOLLOW_OWNER + SWITCH_USER, (),
        "the entrypoint makes lego's directories the host's acme user's, then runs as that user: no capability; "
        "nginx reloads on its request file",
        tmpfs=("/tmp",)),
    "krill": Privileges(
        SWITCH_USER, (),
        "setpriv runs Krill as the uid that owns its data on the host (port 3000: no privilege); a new krill.conf "
        "is a new container",
        tmpfs=("/tmp",)),
    "node-exporter": Privileges(SWITCH_USER, (), "setpriv to nobody; it reads /proc and statfs"),
    "bird-exporter": Privileges(SWITCH_USER, (), "setpriv to BIRD's own uid, which may use its control socket"),
    "prometheus": Privileges(
        ("CHOWN",) + SWITCH_USER, (), "its data directory made prometheus's, then setpriv to prometheus",
        host_pid="a changed config or rule file is a SIGHUP from the host (`pkill -HUP -x prometheus`): "
                 "Prometheus keeps its state"),
    "alertmanager": Privileges(
        ("CHOWN", "FOWNER") + SWITCH_USER, (),
        "its data directory and a 0600 copy of its config (in /dev/shm) made prometheus's, then setpriv"),
    "metrics-tunnel": Privileges(
        ("CHOWN", "FOWNER") + SWITCH_USER, (), "a 0600 copy of the key (in /dev/shm) made nobody's, then ssh runs "
        "as nobody"),
    "backup": Privileges(
        ("CHOWN", "FOWNER") + SWITCH_USER, (),
        "0600 copies of the restic password and the tunnel key (in /dev/shm) made Krill's uid's, then setpriv to "
        "it: it reads Krill's data and stages restores, as Krill's own user",
        tmpfs=("/tmp",)),
    "backup-server": Privileges(
        SWITCH_USER, (), "setpriv to the uid that owns the repository on vps (the backup tunnel's user)",
        tmpfs=("/tmp",)),
    "rpki-status": Privileges(
        ("CHOWN", "SYS_CHROOT") + SWITCH_USER, ("CHOWN", "SYS_CHROOT") + SWITCH_USER,
        "its loop (root) makes rpki-client's cache its user's; rpki-client drops to _rpki-client and chroots its "
        "parsers",
        user="root", tmpfs=None,
        writable="in a lab world its loop adds the lab's CA to the image's trust store (update-ca-certificates)"),
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
