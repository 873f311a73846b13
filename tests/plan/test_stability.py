"""Property tests: adding or removing sites never renumbers anyone else."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from netorch.plan import make_plan
from tests.plan.factory import inventory, site

KINDS = ("hub-and-spoke", "full-mesh", "regional")


@st.composite
def fabrics(draw):  # type: ignore[no-untyped-def]
    ids = draw(st.lists(st.integers(1, 400), min_size=3, max_size=12, unique=True))
    kind = draw(st.sampled_from(KINDS))
    specs = {i: {"region": draw(st.sampled_from(["east", "west"])),
                     "devices": draw(st.integers(1, 2)),
                     "underlays": draw(st.sampled_from([("private", "internet"), ("private",),
                                                     ("internet",)]))}
             for i in ids}
    return kind, specs


def build(kind, specs, ids):  # type: ignore[no-untyped-def]
    hub = min(ids)
    sites = [site(i, **{**specs[i], "underlays": ("private", "internet")} if i == hub
                  else specs[i]) for i in sorted(ids)]
    return inventory(sites, kind=kind, hubs=[f"s{hub}"], loopbacks="100.65.0.0/20")


def addresses(plan):  # type: ignore[no-untyped-def]
    tunnels = {t.id: (t.a.address, t.b.address) for t in plan.tunnels}
    loops = {d.name: d.loopback for d in plan.devices}
    return tunnels, loops


def assert_unique(plan) -> None:  # type: ignore[no-untyped-def]
    nets = [t.a.address.network for t in plan.tunnels]
    assert len(set(nets)) == len(nets)
    loops = [d.loopback for d in plan.devices]
    assert len(set(loops)) == len(loops)


@settings(max_examples=60, deadline=None)
@given(fabrics(), st.data())
def test_adding_and_removing_sites_keeps_every_other_address(fabric, data) -> None:  # type: ignore[no-untyped-def]
    kind, specs = fabric
    ids = sorted(specs)
    hub = min(ids)
    before_ids = [i for i in ids if i == hub or data.draw(st.booleans(), label=f"keep s{i}")]
    before = make_plan(build(kind, specs, before_ids))
    assert before.plan is not None
    assert_unique(before.plan)
    after_ids = [i for i in ids if i == hub or data.draw(st.booleans(), label=f"then s{i}")]
    after = make_plan(build(kind, specs, after_ids), before.allocations)
    assert after.plan is not None
    assert_unique(after.plan)
    (t1, l1), (t2, l2) = addresses(before.plan), addresses(after.plan)
    for tid in t1.keys() & t2.keys():
        assert t1[tid] == t2[tid], tid
    for dev in l1.keys() & l2.keys():
        assert l1[dev] == l2[dev], dev


@settings(max_examples=30, deadline=None)
@given(fabrics())
def test_replanning_with_its_own_allocations_changes_nothing(fabric) -> None:  # type: ignore[no-untyped-def]
    kind, specs = fabric
    first = make_plan(build(kind, specs, sorted(specs)))
    again = make_plan(build(kind, specs, sorted(specs)), first.allocations)
    assert first.plan is not None and again.plan is not None
    assert first.plan.model_dump_json() == again.plan.model_dump_json()
