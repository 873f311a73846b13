"""Names, ids and addresses that must be unique; site ids in range."""

from __future__ import annotations

from typing import Any

import pytest

from netorch.checks import check
from tests.checks.rulekit import build, codes, only


def test_base_inventory_is_clean() -> None:
    assert check(build()) == []


def _sites(data: dict[str, Any]) -> list[dict[str, Any]]:
    return data["sites"]  # type: ignore[no-any-return]


def test_duplicate_site_name_names_the_first_owner() -> None:
    inv = build(lambda d: _sites(d)[2].update(name="spoke"))
    [finding] = only(inv, "duplicate-site-name")
    assert "site name spoke is already used by the site with id 2" in finding.message


def test_duplicate_site_id() -> None:
    [finding] = only(build(lambda d: _sites(d)[2].update(id=2)), "duplicate-site-id")
    assert finding.message.startswith("site id 2 is already used by site spoke")


def test_duplicate_device_name() -> None:
    inv = build(lambda d: _sites(d)[2]["devices"][0].update(name="spoke-r1"))
    [finding] = only(inv, "duplicate-device-name")
    assert "device name spoke-r1" in finding.message


def test_duplicate_mgmt_ignores_case() -> None:
    def edit(d: dict[str, Any]) -> None:
        _sites(d)[1]["devices"][0]["mgmt"] = "Router.example"
        _sites(d)[2]["devices"][0]["mgmt"] = "router.EXAMPLE"
    [finding] = only(build(edit), "duplicate-mgmt")
    assert "already used by device spoke-r1" in finding.message


def test_duplicate_underlay_address() -> None:
    def edit(d: dict[str, Any]) -> None:
        _sites(d)[2]["devices"][0]["links"][0].update(address="172.16.2.2/30",
                                                      next_hop="172.16.2.1")
    [finding] = only(build(edit), "duplicate-underlay-address")
    assert finding.message.startswith("underlay address 172.16.2.2 is already used")


def test_duplicate_public_address() -> None:
    def edit(d: dict[str, Any]) -> None:
        for s in _sites(d)[1:]:
            s["devices"][0]["links"][1]["public"] = "203.0.113.9"
    assert codes(build(edit)) == ["duplicate-public-address"]


def test_two_links_on_one_underlay() -> None:
    inv = build(lambda d: _sites(d)[1]["devices"][0]["links"][1].update(underlay="private"))
    [finding] = only(inv, "duplicate-device-underlay")
    assert finding.message.startswith("device spoke-r1: underlay private is already used")


@pytest.mark.parametrize(("site_id", "expected"), [(0, 1), (65536, 1), (-3, 1), (4, 0),
                                                   (65535, 0)])
def test_site_id_range(site_id: int, expected: int) -> None:
    inv = build(lambda d: d["fabric"]["routing"].update(asn_base=4200000000),
                lambda d: _sites(d)[2].update(id=site_id))
    assert len(only(inv, "site-id-range")) == expected


def test_site_asn_above_32_bits() -> None:
    inv = build(lambda d: d["fabric"]["routing"].update(asn_base=4294967290),
                lambda d: _sites(d)[2].update(id=10))
    [finding] = only(inv, "site-asn-range")
    assert "gives ASN 4294967300" in finding.message


def test_site_asn_reserved() -> None:
    inv = build(lambda d: d["fabric"]["routing"].update(asn_base=64490),
                lambda d: _sites(d)[2].update(id=10))
    [finding] = only(inv, "site-asn-reserved")
    assert "ASN 64500" in finding.message
