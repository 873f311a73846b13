"""The symmetry check's pure parts: traceroute parsing, the verdict on two hop lists
(with `*` hops), and the bounded, deterministic sample of a big lab's spoke pairs."""

from __future__ import annotations

import ipaddress

import pytest

from netorch import api
from netorch.inventory import load
from netorch.lab import labsymmetry
from netorch.lab.labsymmetry import Pair, Traced
from netorch.lab.spec import build_spec

A = ipaddress.IPv4Address
HUBS = frozenset({"n1", "s1"})
OWNED = {A("10.1.0.1"): "a1", A("100.64.0.0"): "n1", A("100.64.0.2"): "s1",
         A("100.64.0.5"): "b1", A("10.2.0.1"): "b1", A("10.2.255.254"): "b host",
         A("10.1.255.254"): "a host"}


def _path(*hops: str | None) -> Traced:
    addrs = tuple(None if h is None else A(h) for h in hops)
    return Traced(addrs, bool(addrs) and addrs[-1] is not None and
                  OWNED.get(addrs[-1], "").endswith(" host"))


THERE = _path("10.1.0.1", "100.64.0.0", "100.64.0.5", "10.2.255.254")
BACK_N = _path("10.2.0.1", "100.64.0.0", "10.1.255.254")
BACK_S = _path("10.2.0.1", "100.64.0.2", "10.1.255.254")


def test_parse_reads_hops_stars_and_annotations() -> None:
    out = ("traceroute to 10.2.255.254 (10.2.255.254), 8 hops max, 60 byte packets\n"
           " 1  10.1.0.1  0.077 ms\n 2  100.64.0.0  0.521 ms\n 3  *\n"
           " 4  10.2.255.254  1.539 ms !X\n")
    path = labsymmetry.parse(out, A("10.2.255.254"))
    assert path.hops == (A("10.1.0.1"), A("100.64.0.0"), None, A("10.2.255.254"))
    assert path.reached and path.stars == 1 and not path.complete
    assert labsymmetry.parse("", A("10.2.255.254")) == Traced((), False)


@pytest.mark.parametrize(("back", "plan", "problems"), [
    (BACK_N, ("n1",), []),
    (BACK_S, ("n1",), ["the way there crosses n1, the way back s1",
                       "crosses s1 where the plan predicts n1"]),
    (_path("10.2.0.1", None, "10.1.255.254"), ("n1",), []),  # unknown back: there decides
    (BACK_N, ("s1",), ["crosses n1 where the plan predicts s1"] * 2),
], ids=["symmetric", "asymmetric", "star-one-way", "not-as-planned"])
def test_problems(back: Traced, plan: tuple[str, ...], problems: list[str]) -> None:
    pair = Pair("a", "b", THERE, back, plan, plan)
    assert pair.problems(OWNED, HUBS) == problems


def test_hub_hop_unknown_both_ways_fails_and_is_described() -> None:
    there = _path("10.1.0.1", None, "100.64.0.5", "10.2.255.254")
    back = _path("10.2.0.1", None, "10.1.255.254")
    pair = Pair("a", "b", there, back, ("n1",), ("n1",))
    assert pair.problems(OWNED, HUBS) == ["the hub hop is unknown both ways"]
    assert pair.describe(OWNED, HUBS) == (
        "a -> b: 10.1.0.1 a1, *, 100.64.0.5 b1, 10.2.255.254 b host; back: 10.2.0.1 b1, *, "
        "10.1.255.254 a host; hubs there no hub, back no hub; plan n1")


def test_agree_lets_an_incomplete_path_miss_hubs_but_not_contradict() -> None:
    assert labsymmetry.agree(("n1",), False, ("n1", "s1"), True)
    assert not labsymmetry.agree(("n1",), True, ("n1", "s1"), True)
    assert not labsymmetry.agree(("s1",), False, ("n1",), True)
    assert labsymmetry.agree((), False, (), False)


def test_big_lab_sample_is_bounded_deterministic_and_covers_every_hub_home() -> None:
    inventory = load("inventories/eastern-region")
    plan = api.plan(inventory, api.locked_allocations(inventory))
    spec = build_spec(inventory, "unit")
    pairs, total = labsymmetry.choose_pairs(plan, spec)
    assert total == 300 and len(pairs) == labsymmetry.MAX_PAIRS == len(set(pairs))
    assert pairs == labsymmetry.choose_pairs(plan, spec)[0]
    home = labsymmetry.homes(plan)
    every, _ = labsymmetry.choose_pairs(plan, spec, limit=total)
    kinds = {labsymmetry.home_pair(home, a, b) for a, b in every}
    assert {labsymmetry.home_pair(home, a, b) for a, b in pairs} == kinds
    used = [s for p in pairs for s in p]
    assert len(set(used)) >= 18  # spread: at most a few sites twice or more
