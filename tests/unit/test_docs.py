"""The documentation: the config reference and the stack files' schema are
what the models make now, every key is described, every committed stack
file passes the schema as an editor checks it, and the site builds with
`mkdocs build --strict` (a broken link or anchor, a page missing from the
nav, fails it)."""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys

import jsonschema
import pytest
import yaml

from components.config import reference
from components.config.errors import KEY_REFERENCE, anchor
from tests.stack_files import LAB, PROD_EXAMPLE, ROOT, VMLAB

STACK_FILES = [LAB, VMLAB, PROD_EXAMPLE]


def test_every_config_key_has_a_description():
    assert reference.undescribed() == []


def test_the_committed_reference_is_what_the_models_make_now():
    assert reference.REFERENCE.read_text() == reference.reference_markdown(), \
        "run `make docs` (python -m components.config.reference --write) and commit the result"


def test_the_committed_schema_is_what_the_models_make_now():
    assert json.loads(reference.SCHEMA.read_text()) == reference.stack_file_schema(), \
        "run `make docs` (python -m components.config.reference --write) and commit the result"


def test_the_reference_has_an_anchor_for_every_key_an_error_can_name():
    page = reference.REFERENCE.read_text()
    for loc in [("asn",), ("upstreams", 0, "neighbor"), ("hosts", "vps", "key_file"), ("krill", "proxy", "https_port"),
                ("monitoring", "ports", "prometheus"), ("irr", "admin", "nic_hdl")]:
        slug = anchor(loc)
        assert f"{{#{slug}}}" in page, (loc, slug)


def stack_file(path):
    return yaml.safe_load(path.read_text())


@pytest.mark.parametrize("path", STACK_FILES, ids=lambda p: p.name)
def test_every_committed_stack_file_passes_the_schema_as_an_editor_checks_it(path):
    jsonschema.validate(stack_file(path), json.loads(reference.SCHEMA.read_text()))


@pytest.mark.parametrize("change, words", [
    (lambda c: c.__setitem__("personal-as:asnn", 65536), "asnn"),
    (lambda c: c["personal-as:upstreams"][0].__setitem__("neighbour", "2001:db8::1"), "neighbour"),
    (lambda c: c.__setitem__("personal-as:prefixes", "2001:db8:100::/48"), "2001:db8:100::/48"),
    (lambda c: c["personal-as:krill"].__setitem__("port", "three thousand"), "three thousand"),
], ids=["unknown-top-key", "misspelt-nested-key", "wrong-shape", "not-a-number"])
def test_a_bad_key_fails_the_schema_too(change, words):
    doc = copy.deepcopy(stack_file(PROD_EXAMPLE))
    change(doc["config"])
    with pytest.raises(jsonschema.ValidationError) as err:
        jsonschema.validate(doc, json.loads(reference.SCHEMA.read_text()))
    assert words in str(err.value) or words in json.dumps(err.value.instance)


def test_the_example_tells_editors_where_the_schema_is():
    first = PROD_EXAMPLE.read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=schema.json"


def test_errors_point_at_the_reference_page_which_exists():
    assert reference.REFERENCE_PAGE in KEY_REFERENCE
    assert (ROOT / reference.REFERENCE_PAGE).exists()


def test_no_page_and_no_message_cites_a_design_file_the_repo_does_not_have():
    offenders = [str(p.relative_to(ROOT)) for p in [*(ROOT / "docs").rglob("*.md"), ROOT / "README.md",
                                                      *(ROOT / "components").rglob("*.py")]
                 if "DESIGN.md" in p.read_text()]
    assert offenders == []


def test_the_site_builds_strict(tmp_path):
    res = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
                         cwd=ROOT, capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert res.returncode == 0, res.stderr[-4000:]
    # The benchmark's figures come from its results file, rendered by the build.
    testing = (tmp_path / "site" / "testing" / "index.html").read_text()
    results = json.loads((ROOT / "bench" / "results" / "latest.json").read_text())
    assert f"{results['full_table']['routes']:,}" in testing
    assert "data:image/png;base64," in testing  # the bench's own plot
    # The onboarding stages are drawn from the program's own answers.
    rpki = (tmp_path / "site" / "rpki" / "index.html").read_text()
    assert 'class="mermaid"' in rpki and "awaiting_parent" in rpki and "published" in rpki


def test_the_readme_is_a_front_door():
    text = (ROOT / "README.md").read_text()
    assert len(text.splitlines()) <= 200
    assert "make lab" in text and "make test" in text
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b", text), "no dated timings in the README"


def test_every_documented_secret_value_comes_after_end_of_options():
    # A password may begin with '-' (CI met one: pulumi read '-SEawd…' as a
    # flag). `--` makes whatever the user pastes a value, never an option.
    lines = [
        (page.name, line)
        for page in sorted((ROOT / "docs").rglob("*.md"))
        for line in page.read_text().splitlines()
        if "pulumi config set" in line and "--secret --path" in line
    ]
    assert lines, "the docs no longer show how to set a secret"
    for name, line in lines:
        assert re.search(r"--path '[^']+' -- ", line), f"{name}: {line.strip()}"
