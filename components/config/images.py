"""The `images` section: how the stack keeps its container images current."""

from __future__ import annotations

from pydantic import Field

from .model import Strict


class Images(Strict):
    # Days an image may age before `preview` asks Debian's security archive
    # whether it has updates for the image's packages; when it has, `up`
    # builds the image's upgrade layer again and ships only that layer.
    # 0: never (the lab and vmlab stacks, whose no-op tests must stay no-ops).
    refresh_days: int = Field(default=7, ge=0, le=365)
