"""A file the stack installs on a host: written over SSH from stdin after an
optional check, compared at every preview (drift is a diff, and `up` writes
it back), and removed at destroy, when the host's own file comes back."""

from __future__ import annotations

import pulumi

from .host import Host
from .providers.remote_command import RemoteCommand
from .render.provision import render_file_apply, render_file_check, render_file_remove


def host_file(name: str, host: Host, path: str, content: pulumi.Input[str], *, owner: str = "root:root",
              mode: str = "0644", check: str | None = None, reload: str | None = None, dirs: tuple[str, ...] = (),
              remove_dirs: tuple[str, ...] = (), purge_dirs: tuple[str, ...] = (),
              opts: pulumi.ResourceOptions | None = None) -> RemoteCommand:
    return RemoteCommand(
        name, connection=host.connection,
        create=render_file_apply(path, owner=owner, mode=mode, check=check, reload=reload, dirs=dirs),
        delete=render_file_remove(path, remove_dirs=remove_dirs, purge_dirs=purge_dirs),
        drift_check=render_file_check(path, owner=owner, mode=mode),
        stdin=content, opts=opts,
    )
