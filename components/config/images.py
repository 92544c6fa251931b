"""The `images` section: how the stack keeps its container images current."""

from __future__ import annotations

from pydantic import Field

from .model import Strict


class Images(Strict):
    # 0 in the lab and vmlab stacks: their no-op tests must stay no-ops.
    refresh_days: int = Field(
        default=7, ge=0, le=365,
        description="Days an image may age before `preview` asks Debian's security archive whether it has updates "
                    "for the image's packages; when it has, `up` rebuilds only the image's upgrade layer and ships "
                    "that layer. `0`: never check.")
