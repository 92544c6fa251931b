"""The Jinja2 environments: strict, so a missing value is an error at render
time instead of an empty string in a daemon's config.

Shell scripts (`*.sh.j2`) render in an environment of their own that quotes
every value it prints, as HTML templates escape: one quoting path for
everything that reaches a shell. A value is one word, whatever it holds;
only `Sh`, script text the stack wrote itself (a command, a heredoc's body),
goes in as it is, and a list goes in as words (`| words`)."""

from __future__ import annotations

import shlex
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from ..config.names import control_characters

TEMPLATES = Path(__file__).parent / "templates"


def _bird_str(value: str) -> str:
    """A BIRD string literal; the config layer already refuses quotes and backslashes."""
    if '"' in value or "\\" in value:
        raise ValueError("refusing to render a BIRD string containing a quote or backslash")
    return f'"{value}"'


def _bird_pair(value: tuple[int, int]) -> str:
    """A standard community as BIRD writes it: (65535,666)."""
    return f"({value[0]},{value[1]})"


class Sh(str):
    """Shell text the stack wrote itself (a command line, a heredoc's body,
    a script fragment): a shell template prints it as it is. Never a value
    from config: those are quoted."""


def sh_word(value: object) -> str:
    """`value` as one shell word. A control character never reaches a script
    (the config refuses them; this is the backstop): quoted or not, a newline
    ends a comment and a NUL ends the script."""
    if isinstance(value, Sh):
        return value
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise TypeError(f"{type(value).__name__} {value!r} in a shell script: pass a str or an int "
                        "(a list through `| words`, script text as Sh)")
    text = str(value)
    if control_characters(text):
        raise ValueError(f"refusing to put a value with a control character into a shell script: {text!r}")
    return shlex.quote(text)


def _words(values) -> Sh:
    """A list as shell words, each quoted."""
    return Sh(" ".join(sh_word(v) for v in values))


def _heredoc(body: str, delimiter: str = "PERSONAL_AS_EOF") -> Sh:
    """A quoted heredoc's body, as it is: the shell expands nothing in it,
    and only a line that is the delimiter could end it early."""
    if delimiter in body.splitlines():
        raise ValueError(f"refusing a heredoc body with a line {delimiter!r}: it would end the heredoc")
    return Sh(body)


def _comment(text: str) -> Sh:
    """Text for a `#` comment, as it is: only a line break could end it."""
    if "\n" in text or "\r" in text:
        raise ValueError(f"refusing a line break in a comment: {text!r}")
    return Sh(text)


def make_env(shell: bool = False) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
        finalize=sh_word if shell else None,
    )
    env.filters["bird_str"] = _bird_str
    env.filters["bird_pair"] = _bird_pair
    if shell:
        env.filters["words"] = _words
        env.filters["heredoc"] = _heredoc
        env.filters["comment"] = _comment
    return env


ENV = make_env()
SHELL_ENV = make_env(shell=True)


def render(template: str, **values) -> str:
    env = SHELL_ENV if template.endswith(".sh.j2") else ENV
    return env.get_template(template).render(**values)
