"""Tunnel ids, key references and allocation keys are unambiguous for any legal names."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from pydantic_core import PydanticCustomError

from netorch.inventory.model import Inventory
from netorch.inventory.types import is_name, parse_name
from netorch.plan import make_plan
from netorch.plan.tunnels import SEPARATOR, key_ref, tunnel_id
from tests.checks.rulekit import BASE, build

# Lower-case labels, '-' included (and doubled, to look for trouble), kept only if legal.
names = st.text("ab-1", min_size=1, max_size=12).filter(is_name)
# A tunnel's underlay: one underlay, or two joined across underlays ("a+b").
underlays = st.one_of(names, st.tuples(names, names).map("+".join))
triples = st.tuples(names, names, underlays)


@settings(max_examples=400)
@given(triples, triples)
def test_tunnel_ids_differ_for_different_names(x: tuple[str, str, str],
                                               y: tuple[str, str, str]) -> None:
    assert (tunnel_id(*x) == tunnel_id(*y)) == (x == y)


@settings(max_examples=400)
@given(st.tuples(names, names), st.tuples(names, names))
def test_key_refs_differ_for_different_pairs(x: tuple[str, str], y: tuple[str, str]) -> None:
    assert (key_ref(*x) == key_ref(*y)) == (x == y)


@settings(max_examples=400)
@given(triples)
def test_a_tunnel_id_splits_back_into_its_names(x: tuple[str, str, str]) -> None:
    assert tuple(tunnel_id(*x).split(SEPARATOR)) == x


@settings(max_examples=200)
@given(triples, names)
def test_allocation_keys_never_collide(x: tuple[str, str, str], device: str) -> None:
    """The allocation file keys loopbacks by device name and tunnels by id: one
    namespace could hold both, and a device name is never a tunnel id."""
    assert tunnel_id(*x) != device
    assert not is_name(tunnel_id(*x))


@pytest.mark.parametrize("name", ["a--b", "b--c", "hub--r1", "x---y"])
def test_a_name_holding_the_separator_is_refused(name: str) -> None:
    with pytest.raises(PydanticCustomError, match="no '--' inside"):
        parse_name(name)


def test_the_colliding_pairs_of_the_issue_cannot_be_written() -> None:
    """`a` + `b--c` and `a--b` + `c` once gave one tunnel id, /31 and key: `b--c` and
    `a--b` are no longer names."""
    assert tunnel_id("a", "b--c", "private") == tunnel_id("a--b", "c", "private")
    assert key_ref("a", "b--c") == key_ref("a--b", "c")
    data: dict[str, Any] = {**BASE, "sites": list(BASE["sites"])}
    data["sites"][1] = {**data["sites"][1], "devices": [
        {**data["sites"][1]["devices"][0], "name": "a--b"}]}
    with pytest.raises(ValidationError, match="no '--' inside"):
        Inventory.model_validate(data)


def test_planned_ids_are_unique_and_split_back() -> None:
    plan = make_plan(build(), None).plan
    assert plan is not None
    ids = [t.id for t in plan.tunnels]
    assert len(set(ids)) == len(ids)
    for t in plan.tunnels:
        assert t.id == tunnel_id(t.a.device, t.b.device, t.underlay)
        assert t.key_ref in (None, key_ref(t.a.device, t.b.device))
