"""RPSL objects as data: an object's class and primary key (as IRRd keys
it), and the comparison the stack makes between the objects it wants and
what a registry holds. Pure.

A registry hands objects back changed in ways that are not drift: it adds
`last-modified`/`created`, pads values to its own column, upper-cases keys,
and never shows an `auth` hash (`BCRYPT-PW # Filtered`). Those differences
are normalised away; anything else is drift.
"""

from __future__ import annotations

from dataclasses import dataclass

# Attributes a registry writes itself.
GENERATED = frozenset({"last-modified", "created", "changed"})


@dataclass(frozen=True)
class RpslObject:
    text: str
    attributes: tuple[tuple[str, str], ...]

    @property
    def object_class(self) -> str:
        return self.attributes[0][0]

    @property
    def key(self) -> str:
        """IRRd's primary key: a route's is its prefix and origin, a
        person's or role's its nic-hdl."""
        value = self.attributes[0][1]
        if self.object_class in ("person", "role"):
            return next(v for n, v in self.attributes if n == "nic-hdl").upper()
        if self.object_class in ("route", "route6"):
            origin = next(v for n, v in self.attributes if n == "origin")
            return (value + origin).upper().replace(" ", "")
        return value.upper()

    @property
    def ident(self) -> str:
        return f"{self.object_class},{self.key}"

    def comparable(self) -> tuple[tuple[str, str], ...]:
        out = []
        for name, value in self.attributes:
            if name in GENERATED:
                continue
            if name == "auth":
                # Only the scheme is visible in a registry's answers.
                value = value.split()[0] if value.split() else value
            out.append((name, " ".join(value.split()).upper()))
        return tuple(out)


def parse_object(text: str) -> RpslObject:
    """One object's attribute lines; continuation lines join their value."""
    attrs: list[list[str]] = []
    for line in text.strip("\n").splitlines():
        if not line.strip() or line.startswith(("%", "#")):
            continue
        if line[0] in " \t+" and attrs:
            attrs[-1][1] += " " + line.lstrip("+").strip()
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise ValueError(f"not an RPSL attribute line: {line[:80]!r}")
        attrs.append([name.strip().lower(), value.strip()])
    if not attrs:
        raise ValueError("an empty RPSL object")
    return RpslObject(text=text.strip("\n") + "\n", attributes=tuple((n, v) for n, v in attrs))


def split_objects(text: str) -> list[RpslObject]:
    """Objects separated by blank lines (the `irr_objects` output's form)."""
    return [parse_object(block) for block in text.split("\n\n") if block.strip()]


def drifted(wanted: RpslObject, held: RpslObject | None) -> bool:
    return held is None or wanted.comparable() != held.comparable()
