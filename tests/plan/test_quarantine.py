"""Released addresses are quarantined: kept as retired entries with the date, handed to
another site only after the hold (or, with a warning, when the pool has nothing else);
a site that comes back gets its own addresses again."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from netorch.plan import PlanResult, make_plan
from netorch.plan.allocate import Allocations
from netorch.plan.lockfile import LockText
from tests.plan.factory import inventory, site

DAY0 = date(2026, 11, 29)
PRIVATE = ("private",)


def fabric(ids: list[int], **pools: Any) -> Any:
    """Hub s1 and spokes, one underlay: one /31 per spoke."""
    return inventory([site(i, underlays=PRIVATE) for i in ids], **pools)


def planned(ids: list[int], previous: Allocations | None, day: date, **pools: Any
            ) -> PlanResult:
    result = make_plan(fabric(ids, **pools), previous, today=day)
    assert result.plan is not None, result.findings
    return result


def tunnel(result: PlanResult, spoke: int) -> str:
    return result.allocations.tunnels[f"s1-r1--s{spoke}-r1--private"]


def test_a_released_address_is_retired_with_the_date_not_handed_out() -> None:
    first = planned([1, 2, 3], None, DAY0)
    gone = planned([1, 2], first.allocations, DAY0)
    retired = gone.allocations.retired_tunnels["s1-r1--s3-r1--private"]
    assert (retired.address, retired.released) == (tunnel(first, 3), DAY0)
    assert gone.allocations.retired_loopbacks["s3-r1"].address == \
        first.allocations.loopbacks["s3-r1"]
    new = planned([1, 2, 4], gone.allocations, DAY0 + timedelta(days=1))
    assert tunnel(new, 4) != tunnel(first, 3)
    assert new.allocations.loopbacks["s4-r1"] != first.allocations.loopbacks["s3-r1"]
    assert new.findings == []
    assert "s1-r1--s3-r1--private" in new.allocations.retired_tunnels


def test_after_the_hold_the_address_is_free_again_without_a_warning() -> None:
    first = planned([1, 2, 3], None, DAY0)
    gone = planned([1, 2], first.allocations, DAY0)
    later = planned([1, 2, 4], gone.allocations, DAY0 + timedelta(days=30))
    assert tunnel(later, 4) == tunnel(first, 3)  # the lowest free /31 again
    assert later.findings == []
    assert "s1-r1--s3-r1--private" not in later.allocations.retired_tunnels
    early = planned([1, 2, 4], gone.allocations, DAY0 + timedelta(days=29))
    assert tunnel(early, 4) != tunnel(first, 3)


def test_the_hold_is_configurable_in_the_fabric() -> None:
    first = planned([1, 2, 3], None, DAY0, quarantine="2d")
    gone = planned([1, 2], first.allocations, DAY0, quarantine="2d")
    day1 = planned([1, 2, 4], gone.allocations, DAY0 + timedelta(days=1), quarantine="2d")
    day2 = planned([1, 2, 4], gone.allocations, DAY0 + timedelta(days=2), quarantine="2d")
    assert tunnel(day1, 4) != tunnel(first, 3)
    assert tunnel(day2, 4) == tunnel(first, 3)


def test_a_full_pool_reuses_a_quarantined_address_with_a_warning_naming_it() -> None:
    small = {"tunnels": "100.64.0.0/30", "loopbacks": "100.65.0.0/30"}  # 2 /31s, 3 /32s
    first = planned([1, 2, 3], None, DAY0, **small)
    gone = planned([1, 2], first.allocations, DAY0, **small)
    full = planned([1, 2, 4], gone.allocations, DAY0 + timedelta(days=1), **small)
    assert tunnel(full, 4) == tunnel(first, 3)
    warnings = [f for f in full.findings if f.code == "pool-quarantine-reuse"]
    assert len(warnings) == 2 and not any(f.is_error for f in full.findings)
    text = " ".join(f.message for f in warnings)
    assert tunnel(first, 3) in text and first.allocations.loopbacks["s3-r1"] in text
    assert "s1-r1--s4-r1--private" in text and "2026-12-29" in text
    assert full.allocations.retired_tunnels == {}


def test_a_site_added_back_within_the_hold_gets_its_own_addresses_back() -> None:
    first = planned([1, 2, 3], None, DAY0)
    gone = planned([1, 2], first.allocations, DAY0)
    other = planned([1, 2, 4], gone.allocations, DAY0 + timedelta(days=1))
    back = planned([1, 2, 3, 4], other.allocations, DAY0 + timedelta(days=2))
    assert tunnel(back, 3) == tunnel(first, 3)
    assert back.allocations.loopbacks["s3-r1"] == first.allocations.loopbacks["s3-r1"]
    assert tunnel(back, 4) == tunnel(other, 4)
    assert back.allocations.retired_tunnels == {} and back.allocations.retired_loopbacks == {}


def test_same_inventory_lock_and_date_give_byte_identical_lock_and_plan() -> None:
    first = planned([1, 2, 3, 5], None, DAY0)
    gone = planned([1, 2, 5], first.allocations, DAY0)
    runs = [planned([1, 2, 4, 5], gone.allocations, DAY0 + timedelta(days=3))
            for _ in range(2)]
    texts = [LockText("test", r.allocations).render() for r in runs]
    assert texts[0] == texts[1]
    assert runs[0].plan is not None and runs[1].plan is not None
    assert runs[0].plan.model_dump_json() == runs[1].plan.model_dump_json()


def test_replanning_an_unchanged_fabric_changes_nothing_whatever_the_date() -> None:
    first = planned([1, 2, 3], None, DAY0)
    gone = planned([1, 2], first.allocations, DAY0)
    for days in (0, 1, 30, 400):
        again = planned([1, 2], gone.allocations, DAY0 + timedelta(days=days))
        assert again.allocations == gone.allocations
