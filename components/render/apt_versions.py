"""Is an image behind Debian's security archive? Pure functions: Debian's
version order (deb-version(7), as `dpkg --compare-versions` has it), an
archive's Packages index, and the packages of an image that the archive has
newer versions of.

The versions an image has are recorded when it is built (dpkg-query in the
image); the archive's come from its Packages index (providers/apt_archive.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


def _order(c: str) -> int:
    """deb-version's character order in the non-digit parts: `~` before
    everything, even the end of the part; then the end; then letters; then
    everything else."""
    if c == "~":
        return -1
    if c.isalpha():
        return ord(c)
    return ord(c) + 256


def _compare_part(a: str, b: str) -> int:
    i = j = 0
    while i < len(a) or j < len(b):
        # the non-digit prefix, character by character
        while (i < len(a) and not a[i].isdigit()) or (j < len(b) and not b[j].isdigit()):
            ca = _order(a[i]) if i < len(a) and not a[i].isdigit() else 0
            cb = _order(b[j]) if j < len(b) and not b[j].isdigit() else 0
            if ca != cb:
                return -1 if ca < cb else 1
            i += 1
            j += 1
        # then the digits, as a number
        da = re.match(r"\d*", a[i:]).group()
        db = re.match(r"\d*", b[j:]).group()
        na, nb = int(da or 0), int(db or 0)
        if na != nb:
            return -1 if na < nb else 1
        i += len(da)
        j += len(db)
    return 0


def _split(version: str) -> tuple[int, str, str]:
    epoch, _, rest = version.partition(":") if ":" in version else ("0", "", version)
    upstream, _, revision = rest.rpartition("-") if "-" in rest else (rest, "", "0")
    return int(epoch or 0), upstream, revision


def compare_versions(a: str, b: str) -> int:
    """-1, 0 or 1 as Debian orders versions a and b."""
    ea, ua, ra = _split(a)
    eb, ub, rb = _split(b)
    if ea != eb:
        return -1 if ea < eb else 1
    return _compare_part(ua, ub) or _compare_part(ra, rb)


def parse_packages_index(text: str) -> dict[str, str]:
    """A Packages index (its stanzas' Package and Version), the newest
    version of each package it lists."""
    out: dict[str, str] = {}
    name = version = None
    for line in [*text.splitlines(), ""]:
        if not line.strip():
            if name and version and (name not in out or compare_versions(version, out[name]) > 0):
                out[name] = version
            name = version = None
        elif line.startswith("Package:"):
            name = line.split(":", 1)[1].strip()
        elif line.startswith("Version:"):
            version = line.split(":", 1)[1].strip()
    return out


def parse_installed(text: str) -> dict[str, str]:
    """dpkg-query -W -f '${Package} ${Version}\\n' of an image."""
    out = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2:
            out[parts[0].split(":", 1)[0]] = parts[1]
    return out


@dataclass(frozen=True)
class Behind:
    package: str
    installed: str
    archive: str

    def __str__(self) -> str:
        return f"{self.package} {self.installed} -> {self.archive}"


def behind(installed: dict[str, str], archive: dict[str, str]) -> list[Behind]:
    """The image's packages the archive has a newer version of."""
    return [Behind(p, v, archive[p]) for p, v in sorted(installed.items())
            if p in archive and compare_versions(archive[p], v) > 0]
