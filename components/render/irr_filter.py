"""Transit's IRR prefix lists: which lists its filter job (bgpq4, in
images/irr-filter) keeps, under which fixed names, in which files that
transit's bird.conf includes. Pure.

bgpq4 prints nothing for an AS with no route objects; the job writes an
empty set then (which accepts nothing), and the stack writes one before
BIRD first starts, so the include never names a missing file.
"""

from __future__ import annotations

from dataclasses import dataclass

from .env import sh_word

IRR_DIR = "/etc/bird/irr"
STATUS_FILE = f"{IRR_DIR}/status"
# The lab transit's refresh: a real transit's job runs hourly or daily; the
# lab's bound on a registry change reaching the filter is this, plus one
# bgpq4 run and a reconfigure (each well under a second). 5 s: a run
# reconfigures BIRD only when the lists changed, so a short period costs a
# bgpq4 query, not a reload.
LAB_REFRESH_SECONDS = 5


def irr_set_name(asn: int, version: int, upto: int | None = None) -> str:
    return f"IRR_AS{asn}_V{version}" + ("_MORE" if upto else "")


def irr_file(asn: int, version: int, upto: int | None = None) -> str:
    return f"{IRR_DIR}/{irr_set_name(asn, version, upto)}.conf"


@dataclass(frozen=True)
class IrrList:
    version: int
    name: str
    file: str
    query: str  # the AS or as-set bgpq4 expands
    # Also more-specifics up to this length (bgpq4 -R): where a blackhole
    # host route inside a registered prefix may be.
    upto: int | None = None

    @property
    def spec(self) -> str:
        """One entry of the job's IRR_LISTS."""
        afi = f"{self.version}/{self.upto}" if self.upto else str(self.version)
        return f"{afi}:{self.name}:{self.query}"


def irr_lists(asn: int, as_set: str | None) -> list[IrrList]:
    """Both address families, always: a list for a family the customer
    does not announce is empty, and accepts nothing. Each twice: the
    registered prefixes exactly, and with their more-specifics down to host
    routes (RFC 7999 blackholes)."""
    query = as_set or f"AS{asn}"
    exact = [IrrList(v, irr_set_name(asn, v), irr_file(asn, v), query) for v in (6, 4)]
    hosts = [IrrList(v, irr_set_name(asn, v, n), irr_file(asn, v, n), query, n) for v, n in ((6, 128), (4, 32))]
    return exact + hosts


def empty_list_file(lst: IrrList, source: str) -> str:
    return (f"# No route objects for {lst.query} in {source} yet: nothing is accepted.\n"
            f"define {lst.name} = [];\n")


def filter_job_env(lists: list[IrrList], registry: str, source: str, socket: str, conf: str,
                   refresh: int = LAB_REFRESH_SECONDS) -> dict[str, str]:
    return {"IRR_HOST": registry, "IRR_SOURCE": source, "IRR_REFRESH": str(refresh),
            "IRR_LISTS": " ".join(lst.spec for lst in lists), "BIRD_CONF": conf, "BIRD_SOCKET": socket}


def seed_lists_script(lists: list[IrrList], source: str) -> str:
    """Before BIRD first reads bird.conf: an empty list where none exists
    yet. The filter job owns the files after that; this never overwrites."""
    lines = ["set -eu", f"mkdir -p {IRR_DIR}"]
    for lst in lists:
        text = empty_list_file(lst, source).replace("'", "")
        lines.append(f"[ -s {sh_word(lst.file)} ] || printf '%s' '{text}' > {sh_word(lst.file)}")
        lines.append(f"chmod 0644 {sh_word(lst.file)}")
    return "\n".join(lines) + "\n"


def lists_present_check(lists: list[IrrList]) -> str:
    return "set -eu\n" + "".join(f"[ -s {lst.file} ]\n" for lst in lists)
