"""The user's registry objects: rendered from the stack (golden files for
the lab stack and the prod example), and every one of them accepted by
IRRd's own RPSL parser, strictly, run in the registry's IRRd image."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from components.config import validate
from components.render.irr import (lab_assignment_objects, lab_registry_objects, maintainer_objects,
                                    render_irr_objects, routing_objects)
from components.render.rpsl import parse_object
from tests.image_run import run_in_image
from tests.unit.test_config import LAB_RAW, LAB_SECRETS, PROD_RAW, PROD_SECRETS, with_change
from tests.unit.test_render import check_golden

HERE = Path(__file__).resolve().parent
PARSE = HERE / "irrd_parse.py"
CHECK_CONFIG = HERE / "irrd_check_config.py"
# A fixed bcrypt hash (of "golden-password"): the stack hashes once and keeps it.
AUTH = "BCRYPT-PW $2b$12$5b6tz3vOaQn8Jqk2P0VJ5eJ8l3S9b0GQeQ1nQp9lqQ9x5b1Qe6x2W"

CASES = {
    "lab-irr-objects.rpsl": lambda: validate(LAB_RAW, LAB_SECRETS),
    "prod-example-irr-objects.rpsl": lambda: validate(PROD_RAW, PROD_SECRETS, check_files=False, placeholders_ok=True),
    "lab-irr-objects-as-set-dual-stack.rpsl": lambda: validate(
        {**with_change(LAB_RAW, ("irr", "as_set"), "AS65536:AS-PERSONAL"),
         "prefixes": ["2001:db8:100::/48", "203.0.113.0/24"],
         "roas": [{"prefix": "2001:db8:100::/48"}, {"prefix": "203.0.113.0/24"}]}, LAB_SECRETS),
}


def irrd(script: Path, *args: str, folders: tuple[str, ...] = (), input: str | None = None):
    """One of the scripts beside this file, run by the IRRd image's Python."""
    return run_in_image("irrd", "/opt/irrd/bin/python", str(script), *args, folders=(str(HERE), *folders),
                        input=input)


def irrd_parse(text: str) -> list[dict]:
    res = irrd(PARSE, input=text)
    assert res.returncode == 0, res.stderr[-2000:]
    return json.loads(res.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("name", sorted(CASES))
def test_objects_match_golden_and_irrds_parser_accepts_each(name, update_golden):
    cfg = CASES[name]()
    text = render_irr_objects(cfg, AUTH)
    check_golden(name, text, update_golden)
    parsed = irrd_parse(text)
    assert [p["errors"] for p in parsed] == [[]] * len(parsed), parsed
    assert {p["source"] for p in parsed} == {cfg.irr.source}
    classes = [p["class"] for p in parsed]
    assert classes[:2] == ["mntner", cfg.irr.admin.kind] and "aut-num" in classes
    routes = [p["pk"] for p in parsed if p["class"] in ("route", "route6")]
    assert routes == [f"{net}AS{cfg.asn}".upper() for net in cfg.networks]


def test_the_output_is_pasteable_one_object_per_block_no_comments():
    text = render_irr_objects(validate(LAB_RAW, LAB_SECRETS), AUTH)
    blocks = text.split("\n\n")
    assert all(b.strip() and "\n\n" not in b for b in blocks)
    assert not any(line.startswith("%") or line.startswith("#") for line in text.splitlines())


def test_irrds_parser_refuses_what_rpsl_forbids():
    """The check above can fail: a person without a phone, a route6 with host bits."""
    parsed = irrd_parse("person:         Seth Example\naddress:        x\ne-mail:         a@example.net\n"
                        "nic-hdl:        SE1-RIPE\nmnt-by:         SETH-MNT\nsource:         RIPE\n\n"
                        "route6:         2001:db8::1/32\norigin:         AS1\nmnt-by:         X-MNT\nsource: RIPE\n")
    assert "phone" in parsed[0]["errors"][0] and "invalid prefix length" in parsed[1]["errors"][0]


def test_the_lab_registrys_irrd_config_passes_irrds_own_validation(tmp_path, update_golden):
    from components.render.irrd import render_irrd_conf

    text = render_irrd_conf("LAB", "http://irr.lab:8080/", "$2b$12$" + "x" * 53)
    check_golden("lab-irrd.yaml", text, update_golden)
    conf = tmp_path / "irrd.yaml"
    conf.write_text(text)
    res = irrd(CHECK_CONFIG, str(conf), folders=(str(tmp_path),))
    assert res.returncode == 0 and res.stdout.strip().endswith("ok"), res.stderr[-2000:]
    # And it refuses a broken one (no HTTP url): the check can fail.
    conf.write_text(text.replace("url: 'http://irr.lab:8080/'", ""))
    bad = irrd(CHECK_CONFIG, str(conf), folders=(str(tmp_path),))
    assert bad.returncode != 0 and "server.http.url" in bad.stderr


def test_the_lab_registrys_own_objects_and_the_assignment_parse_and_key_as_irrd_keys_them():
    cfg = validate(LAB_RAW, LAB_SECRETS)
    texts = lab_registry_objects("LAB", AUTH) + lab_assignment_objects(cfg) + maintainer_objects(cfg, AUTH) \
        + routing_objects(cfg)
    parsed = irrd_parse("\n".join(texts))
    assert [p["errors"] for p in parsed] == [[]] * len(parsed), parsed
    # The stack's own keys (its queries and deltas) are IRRd's primary keys.
    assert [parse_object(t).key for t in texts] == [p["pk"] for p in parsed]
    assignment = parse_object(lab_assignment_objects(cfg)[0])
    assert ("mnt-by", cfg.irr.maintainer.name) in assignment.attributes
