"""URLs the user types (an ACME directory, an alert webhook): checked for
what RFC 3986 never allows in one, so a value is a URL and nothing else
wherever it lands (a YAML file, an environment variable, a command line)."""

from __future__ import annotations

from urllib.parse import urlsplit

# Characters RFC 3986 leaves out of every part of a URL: a URL carries them
# percent-encoded. (Control characters are refused for every key, in load.)
NEVER_IN_A_URL = frozenset(' "<>\\^`{|}')


def url_problem(value: object, schemes: tuple[str, ...]) -> str | None:
    """Why `value` is not a URL of one of `schemes` with a host, or None."""
    if not isinstance(value, str):
        return "must be a string"
    bad = sorted(NEVER_IN_A_URL & set(value))
    if bad:
        shown = " ".join("space" if c == " " else c for c in bad)
        return f"holds {shown}, which a URL carries only percent-encoded (RFC 3986)"
    if any(ord(c) > 0x7e for c in value):
        return "holds a non-ASCII character, which a URL carries only percent-encoded (RFC 3986)"
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError as err:  # a bad IPv6 literal or port
        return f"is not a URL: {err}"
    if parts.scheme not in schemes or not host:
        shown = "http(s)://" if set(schemes) == {"http", "https"} else f"{schemes[0]}://"
        return f"must be an {shown} URL with a host name"
    return None
