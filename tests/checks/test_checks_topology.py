"""Hubs, declared underlays, platforms and whether each site can reach its peers."""

from __future__ import annotations

from typing import Any

import pytest

from netorch.platforms import known_platforms, registry
from tests.checks.rulekit import build, codes, only, site


def _topology(**kw: Any) -> Any:
    return lambda d: d["fabric"].__setitem__("topology", kw)


def test_hub_and_spoke_without_hubs() -> None:
    [finding] = only(build(_topology(kind="hub-and-spoke")), "no-hubs")
    assert "needs at least one hub" in finding.message


def test_unknown_hub_suggests_a_site() -> None:
    [finding] = only(build(_topology(kind="hub-and-spoke", hubs=["hub", "hbu"])),
                     "unknown-hub")
    assert finding.message == "hub 'hbu' is not a site (did you mean 'hub'?)"


def test_hub_listed_twice_is_a_warning() -> None:
    [finding] = only(build(_topology(kind="hub-and-spoke", hubs=["hub", "hub"])),
                     "duplicate-hub")
    assert not finding.is_error


def test_hubs_in_full_mesh_are_ignored_with_a_warning() -> None:
    assert codes(build(_topology(kind="full-mesh", hubs=["hub"]))) == ["hubs-ignored"]


def test_undeclared_underlay_lists_the_declared_ones() -> None:
    inv = build(lambda d: d["sites"][2]["devices"][0]["links"][0].update(underlay="privat"))
    [finding] = only(inv, "unknown-underlay")
    assert finding.message == ("underlay 'privat' is not declared in the fabric (did you mean "
                               "'private'?); declared: internet, private")
    assert "no-common-underlay" not in codes(inv)  # not echoed as a reachability error


def test_unknown_platform_lists_the_known_ones() -> None:
    inv = build(lambda d: d["sites"][2]["devices"][0].update(platform="junos"))
    [finding] = only(inv, "unknown-platform")
    assert finding.message.endswith("known platforms: " + ", ".join(known_platforms()))


def _platform(name: str) -> Any:
    """Device 1 of site 3 on platform `name`, its links named the platform's way."""
    def edit(data: dict[str, Any]) -> None:
        device = data["sites"][2]["devices"][0]
        device["platform"] = name
        for link in device["links"]:
            link["interface"] = registry()[name].interface_example
    return edit


def test_every_builtin_platform_is_accepted() -> None:
    for name in known_platforms():
        assert codes(build(_platform(name))) == [], name


def test_spoke_without_an_underlay_of_the_hub() -> None:
    inv = build(lambda d: d["sites"].__setitem__(0, site("hub", 1, underlays=("private",))),
                lambda d: d["sites"].__setitem__(2, site("third", 3, underlays=("internet",))))
    [finding] = only(inv, "no-common-underlay")
    assert finding.message == ("site third shares no underlay with any hub it must reach "
                               "(its underlays: internet)")


def test_cross_underlay_fabric_lets_any_underlays_meet() -> None:
    inv = build(lambda d: d["fabric"].update(cross_underlay=True),
                lambda d: d["sites"].__setitem__(0, site("hub", 1, underlays=("private",))),
                lambda d: d["sites"].__setitem__(2, site("third", 3, underlays=("internet",))))
    assert codes(inv) == []


@pytest.mark.parametrize("kind", ["full-mesh", "regional"])
def test_full_mesh_and_regional_reachability(kind: str) -> None:
    inv = build(_topology(kind=kind),
                lambda d: d["sites"].__setitem__(2, site("third", 3, underlays=("mpls",))),
                lambda d: d["fabric"]["underlays"].update(mpls={"preference": 30}))
    [finding] = only(inv, "no-common-underlay")
    assert "site third shares no underlay" in finding.message


def test_regional_site_alone_in_its_region_without_hubs() -> None:
    inv = build(_topology(kind="regional"),
                lambda d: d["sites"].__setitem__(2, site("third", 3, region="west")))
    [finding] = only(inv, "isolated-site")
    assert "only site of region west" in finding.message


def test_regional_site_alone_in_its_region_reaches_the_hubs() -> None:
    inv = build(_topology(kind="regional", hubs=["hub"]),
                lambda d: d["sites"].__setitem__(2, site("third", 3, region="west")))
    assert codes(inv) == []
