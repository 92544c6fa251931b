"""Turns validation failures into messages a network operator can act on."""

from __future__ import annotations

from pydantic import ValidationError

NAMESPACE = "personal-as"
# Where a user finds every key: the reference page made from the models
# (reference.py), each key under an anchor of its own.
REFERENCE_PAGE = "docs/reference/config.md"
KEY_REFERENCE = f"the config reference, {REFERENCE_PAGE}"
# Keys whose entries are named by the user (hosts.vps, hosts.home): one
# anchor, hosts.<name>.*, covers them all.
_NAMED_ENTRIES = {"hosts"}
_SECRET_PARTS = {"password", "admin_token", "token", "webhook_url"}


class _Missing:
    """The value of a key the user did not set (shown as `key: why`, no value)."""

    def __repr__(self) -> str:
        return "<not set>"


MISSING = _Missing()


class KeyedError(ValueError):
    """A cross-field problem that knows which key (relative to where it is
    raised) and which value are at fault. Pass MISSING as the value for a key
    that is required but was not set."""

    def __init__(self, loc: tuple, value: object, message: str):
        super().__init__(message)
        self.loc, self.value = loc, value


class KeyedErrors(ValueError):
    """Several KeyedErrors found by one check, reported together."""

    def __init__(self, errors: list[KeyedError]):
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


class ConfigError(ValueError):
    """The stack config is invalid. Raised before any resource exists."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(
            "invalid stack config (nothing was changed):\n" + "\n".join(f"  - {p}" for p in problems)
        )


def key_path(loc: tuple) -> str:
    """('upstreams', 0, 'multihop') -> 'upstreams[0].multihop'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def anchor(loc: tuple) -> str:
    """The reference's anchor for a key as errors locate it:
    ("upstreams", 0, "neighbor") -> "upstreams-neighbor",
    ("hosts", "vps", "key_file") -> "hosts-name-key_file"."""
    parts: list[str] = []
    for i, part in enumerate(loc):
        if isinstance(part, int):
            continue
        parts.append("name" if i > 0 and loc[i - 1] in _NAMED_ENTRIES else str(part))
    return "-".join(p.lower() for p in parts) or "keys"


def reference_url(loc: tuple) -> str:
    return f"{REFERENCE_PAGE}#{anchor(loc)}"


def _secret_field(loc: tuple) -> bool:
    """Whether the model declares the key at `loc` a secret (SecretStr),
    whatever its name: its value is never echoed."""
    import typing

    from pydantic import BaseModel, SecretStr

    from .stack import StackConfig

    def inner(annotation) -> list:
        args = typing.get_args(annotation)
        return [t for a in (args or (annotation,)) for t in (typing.get_args(a) or (a,))]

    model: type[BaseModel] | None = StackConfig
    for i, part in enumerate(loc):
        if model is None or isinstance(part, int):
            continue
        field = model.model_fields.get(str(part)) or next(
            (f for f in model.model_fields.values() if f.alias == part), None)
        if field is None:
            # A user-named entry (hosts.<name>): the model is the map's values'.
            continue
        kinds = inner(field.annotation)
        if SecretStr in kinds:
            return True
        model = next((k for k in kinds if isinstance(k, type) and issubclass(k, BaseModel)), None)
    return False


def _shown(loc: tuple, value: object) -> str:
    if any(str(p) in _SECRET_PARTS for p in loc) or _secret_field(loc):
        return "[secret]"
    return repr(value)


def from_validation_error(err: ValidationError) -> ConfigError:
    problems = []
    for e in err.errors(include_url=False):
        # Model-level errors carry no field location; their message names the key.
        loc = tuple(p for p in e["loc"] if p not in ("function-after",))
        msg = e["msg"].removeprefix("Value error, ")
        value = e.get("input")
        raised = (e.get("ctx") or {}).get("error")
        if isinstance(raised, KeyedErrors):
            problems += [problem_line(loc + k.loc, k.value, str(k), e["type"]) for k in raised.errors]
            continue
        if isinstance(raised, KeyedError):
            loc, value, msg = loc + raised.loc, raised.value, str(raised)
        if e["type"] == "extra_forbidden":
            msg = f"unknown key; check the spelling against {KEY_REFERENCE}"
            problems.append(f"{problem_line(loc, value, msg, e['type'], see=False)} "
                            f"(the keys here: {reference_url(loc[:-1])})")
            continue
        elif e["type"] == "missing":
            msg = "is required"
        problems.append(problem_line(loc, value, msg, e["type"]))
    return ConfigError(problems)


def problem_line(loc: tuple, value: object, msg: str, kind: str = "value_error", see: bool = True) -> str:
    """`personal-as:<key> = <value>: <why> (see <the key in the reference>)`,
    the value hidden for secrets."""
    key = f"{NAMESPACE}:{key_path(loc)}" if loc else NAMESPACE
    tail = f" (see {reference_url(loc)})" if see and loc else ""
    if loc and kind != "missing" and value is not MISSING:
        return f"{key} = {_shown(loc, value)}: {msg}{tail}"
    return f"{key}: {msg}{tail}"
