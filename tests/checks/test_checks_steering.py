"""Addresses that would steer other sites' traffic: endpoints inside LANs, pools or
special ranges; LANs holding endpoints or management addresses, special or too wide.

The file-level tests edit the psk-mesh fixture as a neighbouring agency would and check
the finding's FILE:LINE:COL and the place it names.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

import pytest

from netorch import api
from netorch.checks.steering import SPECIAL_RANGES, special_address
from netorch.cli import main
from tests.checks.rulekit import build, codes, only

FIXTURES = Path(__file__).parent.parent / "fixtures"


def _link(site: int, link: int, **fields: str) -> Any:
    return lambda d: d["sites"][site]["devices"][0]["links"][link].update(fields)


def _lan(site: int, *prefixes: str) -> Any:
    return lambda d: d["sites"][site].update(lan=list(prefixes))


# --- endpoints inside a LAN -------------------------------------------------------------

@pytest.mark.parametrize(("fields", "what"), [
    ({"public": "10.2.0.10"}, "public address 10.2.0.10"),
    ({"address": "10.2.0.10/24", "next_hop": "10.2.0.1"}, "underlay address 10.2.0.10"),
])
def test_an_endpoint_inside_another_sites_lan(fields: dict[str, str], what: str) -> None:
    messages = [f.message for f in only(build(_link(2, 1, **fields)), "link-in-lan")]
    assert any(m.startswith(f"{what} is inside LAN 10.2.0.0/16 of site spoke") for m in messages)


def test_a_next_hop_is_no_peers_destination() -> None:
    """Peers route to a device's endpoint, never to its next hop."""
    inv = build(_link(2, 1, address="10.2.0.10/24", next_hop="10.2.0.1"))
    messages = [f.message for f in only(inv, "link-in-lan")]
    assert messages and not any(m.startswith("next hop") for m in messages)


def test_an_endpoint_inside_its_own_sites_lan_is_a_warning() -> None:
    """A VPN gateway in the site's own DMZ, numbered from its LAN summary."""
    inv = build(_link(2, 1, public="10.3.9.9"))
    [finding] = only(inv, "link-in-own-lan")
    assert not finding.is_error
    assert "inside its own site's LAN 10.3.0.0/16 of site third" in finding.message
    assert "link-in-lan" not in codes(inv) and "lan-holds-address" not in codes(inv)


def test_a_natted_private_address_steers_nobody() -> None:
    """Behind NAT, peers route only to the public address: a private address in another
    site's LAN only keeps this device from that part of the LAN (a warning)."""
    inv = build(_link(2, 1, address="10.2.0.10/24", next_hop="10.2.0.1", public="192.0.2.99"))
    assert [f.code for f in api.check(inv) if f.is_error] == []
    [finding] = only(inv, "private-in-lan")
    assert "device third-r1 cannot reach that part of the LAN" in finding.message


def test_the_lan_side_of_the_conflict_names_the_endpoint() -> None:
    [finding] = only(build(_link(2, 1, public="10.2.0.10")), "lan-holds-address")
    assert finding.message.startswith("LAN 10.2.0.0/16 of site spoke holds the public "
                                      "address 10.2.0.10 of device third-r1")


# --- LANs holding endpoints and management addresses -------------------------------------

def test_a_lan_holding_other_sites_management_addresses_is_a_warning_each() -> None:
    """Three devices are managed in 192.0.2.0/24: the two of other sites are warned of (a
    console server or jump host may sit in a LAN), the site's own (in band) is not."""
    findings = only(build(_lan(2, "10.3.0.0/16", "192.0.2.0/24")), "lan-holds-mgmt")
    assert [f.is_error for f in findings] == [False, False]
    assert findings[0].message.startswith("LAN 192.0.2.0/24 of site third holds the "
                                          "management address 192.0.2.1 of device hub-r1")


def test_a_lan_holding_another_sites_underlay_address() -> None:
    [finding] = only(build(_lan(2, "172.16.1.0/30")), "lan-holds-address")
    assert finding.message.startswith("LAN 172.16.1.0/30 of site third holds the underlay "
                                      "address 172.16.1.2 of device hub-r1")
    assert "more device address" not in finding.message  # its next hop is no endpoint


def test_a_device_managed_in_band_through_its_own_lan_is_fine() -> None:
    site = build(lambda d: None).sites[1]
    own = str(next(site.lan[0].hosts()))
    assert codes(build(lambda d: d["sites"][1]["devices"][0].update(mgmt=own))) == []


def test_a_device_managed_through_another_sites_lan_is_a_warning() -> None:
    other = str(next(build(lambda d: None).sites[2].lan[0].hosts()))
    [finding] = only(build(lambda d: d["sites"][1]["devices"][0].update(mgmt=other)),
                     "lan-holds-mgmt")
    assert f"holds the management address {other}" in finding.message
    assert not finding.is_error


def test_a_management_host_name_is_never_in_a_lan() -> None:
    inv = build(lambda d: d["sites"][1]["devices"][0].update(mgmt="r1.example"))
    assert codes(inv) == []


# --- pools -------------------------------------------------------------------------------

@pytest.mark.parametrize(("fields", "what"), [
    ({"public": "100.64.0.7"}, "public address 100.64.0.7 is inside the tunnels pool"),
    ({"public": "100.65.0.1"}, "public address 100.65.0.1 is inside the loopbacks pool"),
])
def test_a_public_address_inside_a_pool(fields: dict[str, str], what: str) -> None:
    [finding] = only(build(_link(2, 1, **fields)), "link-overlaps-pool")
    assert finding.message.startswith(what)


def test_a_pool_inside_a_lan_is_an_overlap_either_way() -> None:
    """`lan_in_pools` uses `overlaps`: a LAN inside a pool and a pool inside a LAN."""
    wide = only(build(_lan(2, "100.64.0.0/10")), "lan-overlaps-pool")
    narrow = only(build(_lan(2, "100.64.7.0/24")), "lan-overlaps-pool")
    assert len(wide) == 2 and len(narrow) == 1


# --- special ranges ----------------------------------------------------------------------

SPECIAL = ["0.0.0.0", "0.1.2.3", "127.0.0.1", "169.254.1.1", "224.0.0.5", "239.1.1.1",
           "240.0.0.1", "255.255.255.255"]


@pytest.mark.parametrize("address", SPECIAL)
def test_a_special_public_address(address: str) -> None:
    [finding] = only(build(_link(2, 1, public=address)), "link-special-address")
    assert finding.message.startswith(f"public address {address} is a ")


@pytest.mark.parametrize("hop", ["127.0.0.1", "169.254.0.1"])
def test_a_special_underlay_address_and_next_hop(hop: str) -> None:
    net = ipaddress.IPv4Network(f"{hop}/30", strict=False)
    address = f"{net.network_address + 2}/30"
    found = only(build(_link(2, 0, address=address, next_hop=hop)), "link-special-address")
    assert sorted(f.message.split(" is ")[0] for f in found) == [
        f"next hop {hop}", f"underlay address {net.network_address + 2}"]


@pytest.mark.parametrize("lan", ["0.0.0.0/8", "127.0.0.0/8", "126.0.0.0/7", "169.254.0.0/16",
                                 "169.254.10.0/24", "224.0.0.0/8", "240.0.0.0/8",
                                 "255.255.255.255/32"])
def test_a_special_lan(lan: str) -> None:
    [finding] = only(build(_lan(2, lan)), "lan-special-range")
    assert finding.message.startswith(f"LAN {lan} overlaps the ")


def test_the_special_ranges_are_where_ipaddress_says() -> None:
    """The blocks LANs are held against and the properties endpoints are tested with
    agree: every block's first and last address is special, the addresses around none."""
    for block, kind in SPECIAL_RANGES:
        assert special_address(block.network_address) == kind
        assert special_address(block.broadcast_address) == kind
    for outside in ("1.0.0.0", "126.255.255.255", "128.0.0.0", "169.253.255.255",
                    "169.255.0.0", "223.255.255.255", "192.0.2.1"):
        assert special_address(ipaddress.IPv4Address(outside)) is None


def test_ordinary_addresses_are_not_special() -> None:
    assert codes(build(_link(2, 1, public="203.0.113.3"))) == []


# --- LAN width ---------------------------------------------------------------------------

def test_a_lan_wider_than_a_slash_8_is_an_error_by_default() -> None:
    inv = build(_lan(2, "10.3.0.0/16", "64.0.0.0/5"))
    [finding] = only(inv, "lan-too-wide")
    assert finding.message.startswith("LAN 64.0.0.0/5 of site third is wider than /8")


def test_the_widest_lan_is_a_fabric_setting() -> None:
    def wider(d: dict[str, Any]) -> None:
        d["fabric"]["lan_min_prefixlen"] = 4
    strict = build(lambda d: d["fabric"].update(lan_min_prefixlen=24))
    assert codes(build(wider, _lan(2, "64.0.0.0/5"))) == []
    assert codes(strict) == ["lan-too-wide"] * 3


def test_the_issues_lan_example_is_refused_three_ways() -> None:
    """`lan: [10.4.0.0/16, 0.0.0.0/5, 192.0.2.0/24]`: too wide and special (0.0.0.0/5),
    and a LAN holding the management range."""
    inv = build(_lan(2, "10.4.0.0/16", "0.0.0.0/5", "192.0.2.0/24"))
    assert sorted(set(codes(inv))) == ["lan-holds-mgmt", "lan-special-range",
                                       "lan-too-wide"]


# --- through the CLI, at the field's line, on the fixture --------------------------------

def _fixture(tmp_path: Path, old: str, new: str) -> tuple[Path, int, int]:
    """psk-mesh with `old` replaced by `new` once; the line and column of `new`."""
    text = (FIXTURES / "psk-mesh.yaml").read_text(encoding="utf-8")
    assert text.count(old) == 1
    text = text.replace(old, new)
    path = tmp_path / "inv.yaml"
    path.write_text(text, encoding="utf-8")
    (tmp_path / "inv.allocations.yaml").write_bytes(
        (FIXTURES / "psk-mesh.allocations.yaml").read_bytes())
    before = text[:text.index(new)]
    return path, before.count("\n") + 1, len(before) - before.rfind("\n")


def _lan_line(text: str, needle: str) -> int:
    return text[:text.index(needle)].count("\n") + 1


@pytest.mark.parametrize(("old", "new", "value"), [
    ("public: 203.0.113.4", "public: 10.2.0.10", "10.2.0.10"),
    ("address: 198.51.100.2/29, next_hop: 198.51.100.1",
     "address: 10.2.0.10/24, next_hop: 10.2.0.1", "10.2.0.10/24"),
])
def test_the_issues_endpoint_example_fails_validate_and_plan(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str,
        value: str) -> None:
    path, line, column = _fixture(tmp_path, old, new)
    column += new.index(value)
    lan_line = _lan_line(path.read_text(), "lan: [10.2.0.0/16]")
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    expected = (f"{path}:{line}:{column}: error: {'public' if 'public' in new else 'underlay'}"
                f" address 10.2.0.10 is inside LAN 10.2.0.0/16 of site mesh-ios "
                f"(at {path}:{lan_line}:")
    assert expected in out
    assert f"{path}:{lan_line}:" in out and "holds the" in out
    assert main(["plan", str(path)]) == 1
    assert "link-in-lan" not in capsys.readouterr().err  # a message, not a code dump


def test_the_issues_endpoint_example_renders_nothing(tmp_path: Path) -> None:
    path, _, _ = _fixture(tmp_path, "public: 203.0.113.4", "public: 10.2.0.10")
    result = api.validate(path)
    assert "link-in-lan" in {f.code for f in result.findings}
    assert main(["render", str(path), "--redact", "--out", str(tmp_path / "out")]) == 1
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.cfg"))
