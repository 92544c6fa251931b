"""The host-packages script, run for real by bash against stand-ins for
apt, dpkg, systemctl and Docker (unit tier: nothing is installed): a box
with its own nginx keeps it, a fresh one gets nginx-light with its service
masked before the install."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

from components.render.provision import render_host_packages

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


def run(tmp_path: Path, *, own_nginx: bool) -> str:
    stubs = tmp_path / "bin"
    stubs.mkdir()
    for name, body in {**STUBS, **({"nginx": "#!/bin/sh\nexit 0\n"} if own_nginx else {})}.items():
        (stubs / name).write_text(body)
        (stubs / name).chmod(stat.S_IRWXU)
    (tmp_path / "installed").write_text("bash\n" + ("nginx-core\nnginx\n" if own_nginx else ""))
    (tmp_path / "log").write_text("")
    script = render_host_packages({"nginx-light": "nginx", "nftables": None}, [])
    script = script.replace("state=/var/lib/personal-as", f"state={tmp_path}/state")
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
