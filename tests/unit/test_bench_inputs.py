"""What the benchmark feeds the stack is valid stack config: 1,000 ROAs of
the user's /48 pass the same validation as any user's config."""

from __future__ import annotations

import copy

from bench.bench import roa_list
from components.config import validate
from tests.stack_files import LAB, load_stack_file

LAB_RAW, LAB_SECRETS = load_stack_file(LAB)


def test_a_thousand_distinct_roas_of_the_users_prefix_validate():
    raw = copy.deepcopy(LAB_RAW)
    raw["roas"] = [*raw["roas"], *roa_list(1000)]
    cfg = validate(raw, LAB_SECRETS)
    assert len({r.prefix for r in cfg.roas}) == 1001
