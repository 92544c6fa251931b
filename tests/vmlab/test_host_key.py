"""A real host's SSH host key is pinned: a changed key fails the run, says
"host key", and nothing is sent to the host.

With the key back, the stack has nothing to do: test_4_drift runs next in
the same process (scripts/test.sh), and its first preview must show the
changes it makes by hand and nothing else."""

from __future__ import annotations

import pytest

from tests.lab.conftest import pulumi
from tests.vmlab.conftest import guest_shell

pytestmark = pytest.mark.destructive

ROTATE = ("rm -rf /root/.pas-hostkeys && mkdir -p /root/.pas-hostkeys && cp -a /etc/ssh/ssh_host_* /root/.pas-hostkeys/"
          " && rm -f /etc/ssh/ssh_host_* && ssh-keygen -A >/dev/null && systemctl restart ssh")
RESTORE = "cp -a /root/.pas-hostkeys/. /etc/ssh/ && rm -rf /root/.pas-hostkeys && systemctl restart ssh"
SENT = "stat -c %Y /etc/bird/bird.conf /srv/route0/index.html /etc/nginx/personal-as/nginx.conf"


@pytest.fixture
def rotated_vps_key(lab_is_up):
    before = guest_shell("vps", SENT).stdout
    guest_shell("vps", ROTATE)
    yield before
    guest_shell("vps", RESTORE)


def test_a_changed_host_key_fails_preview_and_up_and_nothing_is_sent(rotated_vps_key):
    preview = pulumi("preview", check=False)
    assert preview.returncode != 0
    assert "host key" in preview.stdout + preview.stderr
    up = pulumi("up", "--yes", "--skip-preview", check=False)
    assert up.returncode != 0
    assert "host key" in up.stdout + up.stderr
    assert guest_shell("vps", SENT).stdout == rotated_vps_key, "files on vps changed behind a wrong host key"
