"""ContainerImage: one of the project's images, keyed by the hash of its context."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pulumi

from .providers.docker_image import NOT_CONTEXT, DockerImage

IMAGES_DIR = Path(__file__).resolve().parent.parent / "images"


def context_files(context: Path) -> list[Path]:
    return sorted(p for p in context.rglob("*")
                  if p.is_file() and not any(part in NOT_CONTEXT for part in p.relative_to(context).parts))


def context_hash(context: Path, extra_files: dict[str, str], build_args: dict[str, str], platform: str = "") -> str:
    """Content hash of everything that goes into a build: a pure function."""
    h = hashlib.sha256()
    if platform:
        # Only for a cross build: native images keep the hashes (and tags) they had.
        h.update(f"platform={platform}\0".encode())
    for path in context_files(context):
        h.update(str(path.relative_to(context)).encode() + b"\0" + path.read_bytes())
    for name, src in sorted(extra_files.items()):
        h.update(name.encode() + b"\0")
        with open(src, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    for k, v in sorted(build_args.items()):
        h.update(f"{k}={v}".encode())
    return h.hexdigest()


@dataclass
class ContainerImageArgs:
    image: str  # folder under images/
    base_image: str
    labels: dict[str, str]
    # The stack that builds it: its own tag, so two stacks building the same
    # content at once (a lab beside a vmlab) never retag each other's image
    # (their labels, and so their image ids, differ).
    stack: str
    # Files built outside the repo (Krill's binaries), by name in the context.
    extra_files: dict[str, str] = field(default_factory=dict)
    # Docker's platform for a cross build ("linux/arm64"); "" builds for this machine.
    platform: str = ""
    # images.refresh_days, and the Debian release whose security archive it watches.
    refresh_days: int = 0
    release: str = ""


def image_spec(args: ContainerImageArgs) -> dict:
    """What DockerImage builds for `args`, its tag named by the content hash."""
    build_args = {"BASE_IMAGE": args.base_image}
    for src in args.extra_files.values():
        if not Path(src).is_file():
            raise FileNotFoundError(f"image {args.image}: {src} is missing; run the bootstrap (make bootstrap)")
    digest = context_hash(IMAGES_DIR / args.image, args.extra_files, build_args, args.platform)
    return {"tag": f"personal-as/{args.image}:{args.stack}-{digest[:12]}", "context": str(IMAGES_DIR / args.image),
            "context_hash": digest, "build_args": build_args, "labels": args.labels,
            "extra_files": args.extra_files, "platform": args.platform, "refresh_days": args.refresh_days,
            "release": args.release}


class ContainerImage(pulumi.ComponentResource):
    """An image built from images/<name>, rebuilt only when its content changes."""

    def __init__(self, name: str, args: ContainerImageArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("personal-as:image:ContainerImage", name, None, opts)
        spec = image_spec(args)
        self.tag = spec["tag"]
        self.image = DockerImage(f"{name}-build", **spec, opts=pulumi.ResourceOptions(parent=self))
        self.image_id = self.image.image_id
        self.register_outputs({"tag": self.tag, "image_id": self.image_id})
