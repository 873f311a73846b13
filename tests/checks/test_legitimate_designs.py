"""Real-world designs the hardening rules must not refuse (found by a false-positive
review): NAT'd stations sharing an ISP router's default range, PPP and cellular /32
links, in-band management, port-forwarded management, plain-text punctuation, a
quarantine switched off, upper-case duration units, binary secret files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from netorch.inventory.model import Inventory
from netorch.keys import Secret, load_secret
from tests.checks.rulekit import build, codes


def _internet(site: int, **fields: str) -> Any:
    return lambda d: d["sites"][site]["devices"][0]["links"][1].update(fields)


def test_two_natted_stations_on_the_same_isp_default_range() -> None:
    """Both behind home-style routers handing out 192.168.1.64: peers see only the
    public addresses, so the private ones may repeat."""
    nat = {"address": "192.168.1.64/24", "next_hop": "192.168.1.254"}
    inv = build(_internet(1, **nat, public="203.0.113.21"),
                _internet(2, **nat, public="203.0.113.22"))
    assert codes(inv) == []


def test_two_unnatted_devices_on_one_address_are_still_refused() -> None:
    same = {"address": "198.51.100.10/29", "next_hop": "198.51.100.9"}
    assert "duplicate-underlay-address" in codes(build(_internet(1, **same),
                                                       _internet(2, **same)))


@pytest.mark.parametrize("interface", ["Dialer1", "Cellular0/2/0"])
def test_a_ppp_or_cellular_slash_32_with_its_peer_as_next_hop(interface: str) -> None:
    inv = build(_internet(1, interface=interface, address="81.2.69.142/32",
                          next_hop="81.2.69.1"))
    assert codes(inv) == []


def test_a_next_hop_outside_a_broadcast_subnet_is_still_refused() -> None:
    assert "next-hop-outside" in codes(build(_internet(1, next_hop="81.2.69.1")))


def _with(section: str, **fields: Any) -> Any:
    return lambda d: d["fabric"].setdefault(section, {}).update(fields)


@pytest.mark.parametrize(("value", "seconds"), [("0d", 0), (0, 0), ("90D", 90 * 86400)])
def test_quarantine_may_be_zero_and_units_any_case(value: object, seconds: int) -> None:
    inv: Inventory = build(_with("pools", quarantine=value))
    assert inv.fabric.pools.quarantine == seconds


def test_lifetimes_take_upper_case_units() -> None:
    custom = {"profile": "custom", "auth": "certificate",
              "ike": {"encryption": ["aes-256-gcm"], "prf": ["sha384"], "dh_groups": [20],
                      "lifetime": "24H"},
              "esp": {"encryption": ["aes-256-gcm"], "pfs_groups": [20], "lifetime": "8H"}}
    inv = build(lambda d: d["fabric"].update(crypto=custom))
    assert inv.fabric.crypto.ike is not None and inv.fabric.crypto.ike.lifetime == 86400


@pytest.mark.parametrize(("tail", "kept"), [(b"\x20", b"\x20"), (b"\x09", b"\x09"),
                                           (b"\x0a\x0a", b"\x0a"), (b"\r\n", b"")])
def test_a_binary_secret_file_is_used_whole(tmp_path: Path, tail: bytes, kept: bytes) -> None:
    """`openssl rand 32 > FILE` may end in any byte: only one line ending is dropped."""
    body = bytes(range(100, 131))
    path = tmp_path / "secret"
    path.write_bytes(body + tail)
    loaded = load_secret(path)
    assert loaded is not None
    assert loaded.derive("f", "k") == Secret(body + kept).derive("f", "k")
