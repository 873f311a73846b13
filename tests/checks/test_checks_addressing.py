"""Overlapping prefixes and links whose addressing cannot work."""

from __future__ import annotations

from typing import Any

import pytest

from tests.checks.rulekit import build, codes, only


def _lan(index: int, *prefixes: str) -> Any:
    return lambda d: d["sites"][index].update(lan=list(prefixes))


def test_lan_overlap_between_sites_names_the_other_site() -> None:
    [finding] = only(build(_lan(2, "10.2.128.0/24")), "lan-overlap")
    assert finding.message.startswith("LAN 10.2.128.0/24 overlaps 10.2.0.0/16 of site spoke")


def test_lan_overlap_inside_one_site() -> None:
    [finding] = only(build(_lan(2, "10.3.0.0/16", "10.3.4.0/24")), "lan-overlap")
    assert "another LAN of this site" in finding.message


def test_adjacent_lans_do_not_overlap() -> None:
    assert codes(build(_lan(2, "10.3.0.0/16", "10.4.0.0/16"))) == []


def test_lan_overlap_reported_once_per_extra_lan_at_scale() -> None:
    """A /8 over many /24s: one finding per contained LAN, not one per pair."""
    inv = build(_lan(0, "10.0.0.0/8"), _lan(1, "10.2.0.0/24"), _lan(2, "10.3.0.0/24"))
    assert len(only(inv, "lan-overlap")) == 2


@pytest.mark.parametrize(("lan", "pool"), [("100.64.1.0/24", "tunnels"),
                                           ("100.65.0.0/24", "loopbacks"),
                                           ("100.0.0.0/8", "tunnels")])
def test_lan_overlapping_a_pool(lan: str, pool: str) -> None:
    messages = [f.message for f in only(build(_lan(2, lan)), "lan-overlaps-pool")]
    assert any(f"the {pool} pool" in m for m in messages)


def test_pools_overlapping_each_other() -> None:
    inv = build(lambda d: d["fabric"]["pools"].update(loopbacks="100.64.4.0/22"))
    assert codes(inv) == ["pool-overlap"]


def test_link_subnet_inside_a_pool() -> None:
    """The subnet and, since the next hop sits in it, the next hop too."""
    def edit(d: dict[str, Any]) -> None:
        d["sites"][2]["devices"][0]["links"][0].update(address="100.64.9.2/30",
                                                       next_hop="100.64.9.1")
    messages = [f.message for f in only(build(edit), "link-overlaps-pool")]
    assert codes(build(edit)) == ["link-overlaps-pool"] * 2
    assert messages == ["link subnet 100.64.9.0/30 overlaps the tunnels pool 100.64.0.0/16",
                        "next hop 100.64.9.1 is inside the tunnels pool 100.64.0.0/16"]


def _hop(hop: str) -> Any:
    return lambda d: d["sites"][2]["devices"][0]["links"][0].update(next_hop=hop)


def test_next_hop_outside_subnet() -> None:
    [finding] = only(build(_hop("172.16.9.1")), "next-hop-outside")
    assert finding.message == "next hop 172.16.9.1 is outside the link's subnet 172.16.3.0/30"


def test_next_hop_is_own_address() -> None:
    assert codes(build(_hop("172.16.3.2"))) == ["next-hop-self"]


def test_next_hop_on_a_31() -> None:
    def edit(d: dict[str, Any]) -> None:
        d["sites"][2]["devices"][0]["links"][0].update(address="172.16.3.0/31",
                                                       next_hop="172.16.3.1")
    assert codes(build(edit)) == []
