"""What the stack's images carry: the packages they install, and not the
.deb files those came in. apt-get keeps what it downloads unless told not
to (the base image's apt.conf does); the metrics image once carried 65 MB of
them, half its gzipped size, shipped to home and unpacked on every pull."""

from __future__ import annotations

import pytest

from tests.infra import stack
from tests.infra.engine import on_engine

# Every running service container of the host, and what its apt cache holds.
LIST_DEBS = r"""
for cid in $(docker ps -q --filter label=personal-as.stack={stack} --filter label=personal-as.host={name}); do
  docker exec "$cid" sh -c 'for f in /var/cache/apt/archives/*.deb; do [ -e "$f" ] && echo "$f"; done; true' |
    sed "s|^|$(docker inspect -f '{{{{.Name}}}} {{{{.Config.Image}}}}' "$cid") |"
  echo "@@ $cid"
done
"""


@pytest.mark.parametrize("name", ["vps", "home"])
def test_no_image_keeps_the_debs_it_installed(name, request):
    if name not in stack.outputs()["hosts"]:
        pytest.skip(f"stack {stack.STACK} has no host {name}")
    host = request.getfixturevalue(name)
    out = on_engine(host, name, LIST_DEBS.format(stack=stack.STACK, name=name))
    checked = [line for line in out.splitlines() if line.startswith("@@ ")]
    assert checked, f"no service containers on {name}"
    kept = [line for line in out.splitlines() if not line.startswith("@@ ")]
    assert not kept, "images that kept their downloaded packages:\n" + "\n".join(kept)
