"""What Debian's archive offers now for the images' release: the newest
version of each package in the security archive and the release's updates
(their Packages indexes), read once per `preview` or `up` and architecture.
The same archives the images are built from (scripts/build-base-image.sh)."""

from __future__ import annotations

import lzma
import os
import threading
import urllib.request

from ..render.apt_versions import compare_versions, parse_packages_index

_CACHE: dict[tuple[str, str], dict[str, str]] = {}
_LOCK = threading.Lock()


def index_urls(release: str, arch: str) -> list[str]:
    mirror = os.environ.get("DEBIAN_MIRROR", "http://deb.debian.org/debian").rstrip("/")
    security = os.environ.get("DEBIAN_SECURITY_MIRROR", "http://deb.debian.org/debian-security").rstrip("/")
    return [f"{security}/dists/{release}-security/main/binary-{arch}/Packages.xz",
            f"{mirror}/dists/{release}-updates/main/binary-{arch}/Packages.xz"]


def archive_versions(release: str, arch: str) -> dict[str, str]:
    """Package -> newest version the release's security and updates archives have."""
    with _LOCK:
        if (release, arch) in _CACHE:
            return _CACHE[(release, arch)]
        merged: dict[str, str] = {}
        for url in index_urls(release, arch):
            try:
                with urllib.request.urlopen(url, timeout=60) as res:
                    text = lzma.decompress(res.read()).decode("utf-8", errors="replace")
            except OSError as err:
                raise RuntimeError(f"images.refresh_days: cannot read {url} to see whether the images need "
                                   f"security updates ({err}); set images.refresh_days to 0 to skip the check") from None
            for name, version in parse_packages_index(text).items():
                if name not in merged or compare_versions(version, merged[name]) > 0:
                    merged[name] = version
        _CACHE[(release, arch)] = merged
        return merged
