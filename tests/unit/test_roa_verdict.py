"""roa_check's answer, as the lab tests and the bench read it from `birdc
eval`: the value is RFC 6811's verdict, the enum's type number is BIRD's
own and differs between releases."""

from __future__ import annotations

import pytest

from tests.infra.bird import parse_roa_verdict


@pytest.mark.parametrize("printed, verdict", [
    ("BIRD 2.0.12 ready.\n(enum 35)1\n", "valid"),
    ("BIRD 2.17.6 ready.\n(enum 34)1\n", "valid"),
    ("BIRD 2.17.6 ready.\n(enum 34)2\n", "invalid"),
    ("BIRD 2.0.12 ready.\n(enum 35)0\n", "unknown"),
])
def test_the_verdict_is_read_whatever_number_bird_gives_the_enum(printed, verdict):
    assert parse_roa_verdict(printed) == verdict


def test_anything_else_is_an_error_not_a_verdict():
    with pytest.raises(AssertionError, match="not a roa_check answer"):
        parse_roa_verdict("BIRD 2.17.6 ready.\nsyntax error, unexpected CF_SYM_UNDEFINED\n")
