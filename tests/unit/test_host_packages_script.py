"""The host-packages script, run for real by bash against stand-ins for
apt, dpkg, systemctl and Docker (unit tier: nothing is installed): a box
with its own nginx keeps it, a fresh one gets nginx-light with its service
masked before the install."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

from components.render.provision import DOCKER_FILES, render_host_packages

STUBS = {
    # dpkg-query: a package is installed if it is listed in $T/installed.
    "dpkg-query": """#!/bin/sh
if [ "$2" = '-f=${Package}\\n' ] || [ "$2" = '-f=${Package}
' ]; then cat "$T/installed"; exit 0; fi
pkg="$3"; grep -qx "$pkg" "$T/installed" && printf 'install ok installed' && exit 0; exit 1
""",
    "apt-get": """#!/bin/sh
echo "apt-get $*" >> "$T/log"
case " $* " in *" install "*) for a in "$@"; do case "$a" in -*|install) ;; *) echo "$a" >> "$T/installed" ;; esac; done ;; esac
""",
    "systemctl": '#!/bin/sh\necho "systemctl $*" >> "$T/log"\n',
    "docker": "#!/bin/sh\nexit 0\n",
    "dockerd": "#!/bin/sh\nexit 0\n",
    "useradd": '#!/bin/sh\necho "useradd $*" >> "$T/log"\n',
}


def confined(script: str, tmp_path: Path) -> str:
    """The script with every path it writes moved under tmp_path: it runs
    for real, as root, on this machine."""
    script = script.replace("state=/var/lib/personal-as", f"state={tmp_path}/state")
    for key in ("docker_dropin_dir", "start_failed_dir"):
        script = script.replace(DOCKER_FILES[key], f"{tmp_path}/root{DOCKER_FILES[key]}")
    assert "/etc/systemd" not in script.replace(f"{tmp_path}/root/etc/systemd", "")
    return script


def run(tmp_path: Path, *, own_nginx: bool) -> str:
    stubs = tmp_path / "bin"
    stubs.mkdir()
    for name, body in {**STUBS, **({"nginx": "#!/bin/sh\nexit 0\n"} if own_nginx else {})}.items():
        (stubs / name).write_text(body)
        (stubs / name).chmod(stat.S_IRWXU)
    (tmp_path / "installed").write_text("bash\n" + ("nginx-core\nnginx\n" if own_nginx else ""))
    (tmp_path / "log").write_text("")
    script = confined(render_host_packages({"nginx-light": "nginx", "nftables": None}, []), tmp_path)
    res = subprocess.run(["bash", "-c", script], capture_output=True, text=True,
                         env={"PATH": f"{stubs}:/usr/bin:/bin", "T": str(tmp_path)})
    assert res.returncode == 0, res.stderr
    return (tmp_path / "log").read_text()


def test_a_box_with_its_own_nginx_keeps_it_and_its_service(tmp_path):
    log = run(tmp_path, own_nginx=True)
    installs = [line for line in log.splitlines() if " install " in line]
    assert installs and "nginx-light" not in installs[0], log
    assert "mask" not in log, log
    assert not (tmp_path / "state" / "units.masked").read_text().split()


def test_a_fresh_box_gets_nginx_light_with_its_service_masked_first(tmp_path):
    log = run(tmp_path, own_nginx=False).splitlines()
    mask = log.index("systemctl mask --quiet nginx.service")
    install = next(i for i, line in enumerate(log) if " install " in line)
    assert mask < install and "nginx-light" in log[install], log
    assert (tmp_path / "state" / "units.masked").read_text().split() == ["nginx"]


def fresh_box(tmp_path: Path, *, cli_package: str, archive_has_docker_cli: bool) -> tuple[subprocess.CompletedProcess, str]:
    """A box with no Docker at all: neither dockerd nor docker is on its
    PATH until apt installs the package that carries the client."""
    stubs, system = tmp_path / "bin", tmp_path / "system"
    stubs.mkdir()
    system.mkdir()
    # This machine's own tools, but not its Docker.
    for d in ("/usr/bin", "/bin"):
        for tool in Path(d).iterdir():
            if tool.name not in ("docker", "dockerd") and not (system / tool.name).exists():
                (system / tool.name).symlink_to(tool)
    body = {k: v for k, v in STUBS.items() if k not in ("docker", "dockerd")}
    # apt-get installs what it is asked for; the client appears with its package.
    body["apt-get"] = STUBS["apt-get"] + (
        f'case " $* " in *" install "*" {cli_package} "*) '
        f'printf "#!/bin/sh\\nexit 0\\n" > "$T/bin/docker"; chmod +x "$T/bin/docker" ;; esac\n')
    body["apt-cache"] = f"#!/bin/sh\nexit {0 if archive_has_docker_cli else 100}\n"
    for name, text in body.items():
        (stubs / name).write_text(text)
        (stubs / name).chmod(stat.S_IRWXU)
    (tmp_path / "installed").write_text("bash\n")
    (tmp_path / "log").write_text("")
    script = confined(render_host_packages({"nftables": None}, []), tmp_path)
    res = subprocess.run(["bash", "-c", script], capture_output=True, text=True,
                         env={"PATH": f"{stubs}:{system}", "T": str(tmp_path)})
    return res, (tmp_path / "log").read_text()


def installed_by(log: str) -> set[str]:
    line = next(line for line in log.splitlines() if " install " in line)
    return {w for w in line.split() if not w.startswith("-") and w not in ("apt-get", "install")}


def test_a_fresh_debian_13_box_gets_dockers_client_which_docker_io_only_recommends(tmp_path):
    res, log = fresh_box(tmp_path, cli_package="docker-cli", archive_has_docker_cli=True)
    assert res.returncode == 0, res.stderr
    assert {"docker.io", "docker-cli"} <= installed_by(log), log


def test_a_fresh_debian_12_box_gets_docker_io_alone_which_has_the_client_inside(tmp_path):
    res, log = fresh_box(tmp_path, cli_package="docker.io", archive_has_docker_cli=False)
    assert res.returncode == 0, res.stderr
    assert "docker.io" in installed_by(log) and "docker-cli" not in installed_by(log), log


def test_an_engine_without_its_client_is_named_not_waited_for(tmp_path):
    # Debian 13's docker.io without docker-cli: the error says what to install.
    res, log = fresh_box(tmp_path, cli_package="docker-cli", archive_has_docker_cli=False)
    assert res.returncode != 0
    assert "install docker-cli (Debian 13)" in res.stderr, res.stderr
    assert "did not answer" not in res.stderr


def start_failed_script() -> str:
    """The script Docker's drop-in runs once Docker is up, as the stack writes it."""
    script = render_host_packages({}, [])
    body = script.split("start-failed-containers.new <<'PERSONAL_AS_EOF'\n", 1)[1]
    return body.split("PERSONAL_AS_EOF\n", 1)[0]


def after_boot(tmp_path: Path, policy: str) -> str:
    """One of the stack's containers that Docker failed to start (exit 128),
    with the given restart policy: what the drop-in's script does."""
    stubs = tmp_path / "bin"
    stubs.mkdir()
    (stubs / "docker").write_text(f"""#!/bin/sh
echo "docker $*" >> "$T/log"
case "$1" in
  ps) [ -e "$T/started" ] || echo c0ffee ;;
  inspect) echo '[{{"HostConfig": {{"RestartPolicy": {{"Name": "{policy}", "MaximumRetryCount": 0}}}}}}]' ;;
  start) touch "$T/started" ;;
esac
""")
    (stubs / "docker").chmod(stat.S_IRWXU)
    (stubs / "sleep").write_text("#!/bin/sh\n")
    (stubs / "sleep").chmod(stat.S_IRWXU)
    (tmp_path / "log").write_text("")
    res = subprocess.run(["sh", "-c", start_failed_script()], capture_output=True, text=True,
                         env={"PATH": f"{stubs}:/usr/bin:/bin", "T": str(tmp_path)})
    assert res.returncode == 0, res.stderr
    return (tmp_path / "log").read_text()


def test_after_boot_a_container_docker_failed_to_start_is_started_again(tmp_path):
    log = after_boot(tmp_path, "unless-stopped").splitlines()
    assert log[0].startswith("docker ps -aq --filter label=personal-as.stack --filter status=exited --filter exited=128")
    assert "docker start c0ffee" in log
    # Then nothing is left to start, and the script is done.
    assert log[-1].startswith("docker ps") and log.count("docker start c0ffee") == 1


def test_after_boot_a_container_without_the_stacks_restart_policy_is_left_alone(tmp_path):
    log = after_boot(tmp_path, "no")
    assert "docker start" not in log and log.count("docker ps") == 3, log
