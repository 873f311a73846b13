"""Scale smoke: the segmentation section of a large generated fabric with a 50-rule
policy (benchmarks/generate.py) is computed, and agrees with the plan. Its time is
printed (`pytest -s`), never asserted: the machine's load decides it.

1,000 sites by default; `NETORCH_SCALE_SITES=10000` for the 10,000-site figure
(docs/report.md, Scale): planning that fabric takes a minute or more by itself.
"""

from __future__ import annotations

import os
import sys
import time

from netorch.inventory.model import Inventory
from netorch.plan import make_plan
from netorch.report.segmentation import segmentation
from tests.report.conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import generate  # type: ignore[import-not-found]

SITES = int(os.environ.get("NETORCH_SCALE_SITES", "1000"))
RULES = 50


def test_a_large_fabric_with_a_policy_is_reported() -> None:
    inventory = Inventory.model_validate({"fabric": generate.fabric(generate.policy(SITES, RULES)),
                                          "sites": generate.sites(SITES)})
    plan = make_plan(inventory).plan
    assert plan is not None and plan.policy is not None
    began = time.perf_counter()
    section, findings = segmentation(inventory, plan)
    seconds = time.perf_counter() - began
    assert section is not None and findings == []
    assert section.pairs == SITES * (SITES - 1)
    assert section.differing == 0 and 0 < section.intended_pairs < section.pairs
    assert [(m.view, m.by) for m in section.matrices] == [("intended", "zone"),
                                                          ("effective", "zone")]
    print(f"\nsegmentation of {SITES} sites, {len(plan.policy.rules)} flow rules, "
          f"{sum(len(s.entries) for s in plan.prefix_sets)} prefix set entries: "
          f"{seconds:.2f} s")
