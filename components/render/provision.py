"""Shell scripts that provisioning runs over SSH: pure text from data."""

from __future__ import annotations

from .env import Sh, render, sh_word

# When the stack last confirmed a config, in BIRD's own words: in BIRD's run
# directory, which a reboot empties (and BIRD, started again, loads the file).
BIRD_CONFIRMED = "/run/bird/confirmed"


def render_bird_apply(sessions: list[str], rollback_seconds: int = 120, verify_seconds: int = 90,
                      conf: str = "/etc/bird/bird.conf", socket: str = "/run/bird/bird.ctl",
                      running_check: bool = True, check_image: str | None = None) -> str:
    """The safe-apply script; `sessions` are the BGP protocols that must come
    back. `running_check`: BIRD reconfigured by anyone else is drift (not
    where a job of the host's own reconfigures it on purpose). `check_image`:
    the BIRD image whose `bird -p` checks the new config (a real host's own
    BIRD may be another release); None: the host's `bird -p` (a lab host,
    whose BIRD is the image's)."""
    return render(
        "bird-apply.sh.j2", conf=conf, socket=socket, user="bird", sessions=sessions,
        rollback_seconds=rollback_seconds, verify_seconds=verify_seconds, confirmed=BIRD_CONFIRMED,
        running_check=running_check, check_image=check_image,
    )


def render_bird_check(conf: str = "/etc/bird/bird.conf", socket: str = "/run/bird/bird.ctl",
                      running_check: bool = True) -> str:
    """Drift: bird.conf as for any file, and whether BIRD runs what the
    stack confirmed (bird-running.sh.j2)."""
    return render("bird-check.sh.j2", path=conf, owner="bird:bird", mode="600", socket=socket,
                  confirmed=BIRD_CONFIRMED, running_check=running_check)


def render_file_apply(path: str, owner: str = "root:root", mode: str = "0644", check: str | None = None,
                      reload: str | None = None, dirs: tuple[str, ...] = ()) -> str:
    """Install a file from stdin; `check` may use {file} for the candidate;
    `dirs` are made (outermost first) and owned by `owner` too. `check` and
    `reload` are command lines the stack writes, with any value in them
    already quoted (env.sh_word): they go into the script as they are."""
    return render(
        "file-apply.sh.j2", path=path, owner=owner, mode=mode, dirs=dirs,
        check=Sh(check.replace("{file}", '"$new"')) if check else None, reload=Sh(reload) if reload else None,
        check_comment=f"checked with: {check}" if check else "no check",
    )


# A package whose tool the host already has is not installed: the host's own
# serves (`nginx -t` from the owner's nginx, nginx-core or nginx-full, which
# nginx-light would replace). Its service is the owner's, and never touched.
HOST_TOOL = {"nginx-light": "nginx"}


def _with_tools(packages: dict[str, str | None]) -> list[tuple[str, str | None, str | None]]:
    return [(p, unit, HOST_TOOL.get(p)) for p, unit in sorted(packages.items())]


# Docker's drop-in of the stack's own, and the script it runs once Docker is
# up: the stack's containers Docker failed to start are started again.
DOCKER_DROPIN = "/etc/systemd/system/docker.service.d/60-personal-as-start-failed.conf"
START_FAILED = "/usr/local/lib/personal-as/start-failed-containers"
DOCKER_FILES = dict(docker_dropin=DOCKER_DROPIN, start_failed=START_FAILED,
                    docker_dropin_dir=DOCKER_DROPIN.rsplit("/", 1)[0], start_failed_dir=START_FAILED.rsplit("/", 1)[0])


def render_host_packages(packages: dict[str, str | None], users: list[str]) -> str:
    """Docker (the host's own, or docker.io) and the tools a real host's roles
    use: `packages` maps each Debian package to the service of its own that
    must never run on the host (None when it has none)."""
    return render("host-packages.sh.j2", packages=_with_tools(packages), users=sorted(users), **DOCKER_FILES)


def render_file_check(path: str, owner: str = "root:root", mode: str = "0644") -> str:
    """Drift: the host's file against the stack's content on stdin, and its owner and mode."""
    return render("file-check.sh.j2", path=path, owner=owner, mode=f"{int(mode, 8):o}")


def render_file_remove(path: str, remove_dirs: tuple[str, ...] = (), purge_dirs: tuple[str, ...] = ()) -> str:
    """Destroy: the file goes (or the host's own comes back); `remove_dirs`
    go when empty, `purge_dirs` (runtime directories) go whole."""
    return render("file-remove.sh.j2", path=path, remove_dirs=remove_dirs, purge_dirs=purge_dirs)


def render_host_packages_check(packages: dict[str, str | None], users: list[str]) -> str:
    return render("host-packages-check.sh.j2", packages=_with_tools(packages), users=sorted(users), **DOCKER_FILES)


def render_host_packages_undo() -> str:
    return render("host-packages-undo.sh.j2", **DOCKER_FILES)


def _key_options(forwards: list[str]) -> str:
    """authorized_keys options: `restrict` takes away the shell, agent and
    X11 forwarding and a tty; the tunnel may forward to `forwards` only."""
    for f in forwards:
        # sshd's option syntax: a quote or a blank would end permitopen="...".
        if not f or any(c in f for c in '"\\ ,') or any(ord(c) < 0x21 for c in f):
            raise ValueError(f"refusing a forward {f!r} for authorized_keys: host:port with no quote, blank or comma")
    return ",".join(["restrict", "port-forwarding", *(f'permitopen="{f}"' for f in forwards), 'command="/bin/false"'])


# sshd's own limits for a tunnel's user, in a file of the stack's own per
# user: what authorized_keys options cannot say (`permitlisten="none"` is not
# valid there, and `port-forwarding` lets Unix-socket forwards through,
# BIRD's control socket among them).
def sshd_dropin(user: str) -> str:
    return f"/etc/ssh/sshd_config.d/60-{user}.conf"


SSHD_DROPIN = sshd_dropin("personal-as-metrics")
METRICS_TUNNEL_PURPOSE = "the metrics tunnel's user may forward to vps's two exporters and do nothing else."
BACKUP_TUNNEL_PURPOSE = "the backup tunnel's user may forward to vps's rest-server and do nothing else."


def _sshd_match(user: str, forwards: list[str], purpose: str) -> str:
    _key_options(forwards)  # the same checks on each forward
    return "\n".join([
        f"# personal-as: {purpose}",
        f"Match User {user}",
        "    AllowTcpForwarding local",
        f"    PermitOpen {' '.join(forwards)}",
        "    PermitListen none",
        "    AllowStreamLocalForwarding no",
        "    AllowAgentForwarding no",
        "    X11Forwarding no",
        "    PermitTTY no",
        "    ForceCommand /bin/false",
        # Back to the global context: whatever sshd reads after this file.
        "Match all",
        "",
    ])


def _metrics_user(user: str, forwards: list[str], mode: str, purpose: str) -> str:
    return render("metrics-user.sh.j2", user=user, forwards=forwards, options=_key_options(forwards), mode=mode,
                  dropin=sshd_dropin(user), match=_sshd_match(user, forwards, purpose))


def render_metrics_user(user: str, forwards: list[str], purpose: str = METRICS_TUNNEL_PURPOSE) -> str:
    """A tunnel's user on vps, its key on stdin: it may forward to
    `forwards` (host:port) and do nothing else."""
    return _metrics_user(user, forwards, "apply", purpose)


def render_metrics_user_check(user: str, forwards: list[str], purpose: str = METRICS_TUNNEL_PURPOSE) -> str:
    return _metrics_user(user, forwards, "check", purpose)


def render_metrics_user_remove(user: str) -> str:
    return render("metrics-user.sh.j2", user=user, forwards=[], options="", mode="remove", dropin=sshd_dropin(user),
                  match="")
