"""What `preview` says about building arm64 images here, from binfmt_misc's
own entry: registered, enabled, and usable inside containers (flag F)."""

from __future__ import annotations

import pytest

from components import cross_build

ENTRY = "{state}\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\nflags: {flags}\noffset 0\nmagic 7f454c46\n"


@pytest.fixture
def binfmt(tmp_path, monkeypatch):
    monkeypatch.setattr(cross_build, "BINFMT", tmp_path)
    return tmp_path


def test_a_registered_enabled_interpreter_with_flag_f_is_ready(binfmt):
    (binfmt / "qemu-aarch64").write_text(ENTRY.format(state="enabled", flags="POCF"))
    assert cross_build.binfmt_problem("arm64") is None


@pytest.mark.parametrize("entry,words", [
    (None, "not registered"),
    (ENTRY.format(state="disabled", flags="POCF"), "disabled"),
    (ENTRY.format(state="enabled", flags="POC"), "without the F flag"),
])
def test_an_interpreter_that_cannot_serve_containers_is_named(binfmt, entry, words):
    if entry is not None:
        (binfmt / "qemu-aarch64").write_text(entry)
    assert words in cross_build.binfmt_problem("arm64")
