"""Exit when the Pulumi CLI that started this plugin is gone.

Why: the CLI starts its plugins (the language host, the dynamic provider) as
children and stops them when it finishes. When the CLI itself is killed
(SIGKILL, the OOM killer) nobody stops them: they are re-parented and keep
running, possibly halfway through a command on a host, beside the next
`pulumi up`. Polling our parent id is the portable way to notice.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable


def exit_when_orphaned(on_exit: Callable[[], None] = lambda: None, interval: float = 0.5) -> None:
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        try:
            on_exit()
        finally:
            os._exit(1)

    threading.Thread(target=watch, name="orphan-watch", daemon=True).start()
