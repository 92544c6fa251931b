"""One Jinja2 environment for every template: strict, so a missing value is
an error at render time instead of an empty string in a daemon's config."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

TEMPLATES = Path(__file__).parent / "templates"


def _bird_str(value: str) -> str:
    """A BIRD string literal; the config layer already refuses quotes and backslashes."""
    if '"' in value or "\\" in value:
        raise ValueError("refusing to render a BIRD string containing a quote or backslash")
    return f'"{value}"'


def _bird_pair(value: tuple[int, int]) -> str:
    """A standard community as BIRD writes it: (65535,666)."""
    return f"({value[0]},{value[1]})"


def make_env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["bird_str"] = _bird_str
    env.filters["bird_pair"] = _bird_pair
    return env


ENV = make_env()


def render(template: str, **values) -> str:
    return ENV.get_template(template).render(**values)
