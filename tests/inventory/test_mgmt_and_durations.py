"""`mgmt` has one text per endpoint (or is refused as ambiguous); durations are bounded."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from netorch.cli import main
from netorch.inventory.model import Device, Fabric, mgmt_endpoint
from netorch.inventory.types import MAX_LIFETIME, MAX_QUARANTINE, parse_duration

FIXTURES = Path(__file__).parent.parent / "fixtures"
LINK = {"underlay": "private", "interface": "eth0", "address": "172.16.1.2/30",
        "next_hop": "172.16.1.1"}


def _device(mgmt: object) -> Device:
    return Device.model_validate({"name": "r1", "platform": "linux_strongswan",
                                  "mgmt": mgmt, "links": [LINK]})


@pytest.mark.parametrize(("text", "canonical"), [
    ("192.0.2.2", "192.0.2.2"), ("192.0.2.2:22", "192.0.2.2"),
    ("192.0.2.2:2201", "192.0.2.2:2201"), ("127.0.0.1:65535", "127.0.0.1:65535"),
    ("R1.Example.NET", "r1.example.net"), ("r1-a.example:22", "r1-a.example"),
    ("[2001:DB8:0::1]", "[2001:db8::1]"), ("[::1]:2222", "[::1]:2222"),
    ("router1", "router1"), ("10-0-0-1.example", "10-0-0-1.example"),
    ("169.254.1.1", "169.254.1.1"),
])
def test_accepted_forms_are_kept_canonical(text: str, canonical: str) -> None:
    assert _device(text).mgmt == canonical
    assert str(mgmt_endpoint(canonical)) == canonical


AMBIGUOUS = {
    "3221225986": "ambiguous",          # one number: inet_aton reads 192.0.2.2
    "192.0.2.02": "ambiguous",          # a leading zero (octal in inet_aton)
    "0300.0.2.2": "ambiguous",          # octal
    "0xc0000202": "ambiguous",          # hex
    "192.0.2.0x2": "ambiguous",         # hex in the last part
    "0xc0.0.2.2": "ambiguous",          # last label numeric
    "192.0.2": "ambiguous",             # three parts: 192.0.0.2
    "1.2.3.4.5": "ambiguous",
    "2001:db8::1": "in brackets",
    "[::ffff:192.0.2.2]": "is the IPv4 address 192.0.2.2",
    "[fe80::1%eth0]": "scoped",
    "[2001:db8::1": "not an IPv6 address in brackets",
    "[192.0.2.2]": "not an IPv6 address",
    "r1:0": "the port", "r1:65536": "the port", "r1:022": "the port", "r1:": "the port",
    "r1:ssh": "the port", "[::1]:x": "the port",
    "0.0.0.0": "not the address of one host", "255.255.255.255": "not the address",
    "224.0.0.1": "not the address", "[::]": "not the address",
    "localhost": "RFC 6761", "a.localhost": "RFC 6761",
    "r1.": "not a management address", "-r1": "not a management address",
    "r_1": "not a management address", "router one": "not a management address",
    "r1\n": "not a management address", "": "not a management address",
    "a" * 64: "not a management address",
}


@pytest.mark.parametrize(("text", "why"), AMBIGUOUS.items(), ids=[repr(t)[:30] for t in AMBIGUOUS])
def test_ambiguous_or_malformed_forms_are_refused(text: str, why: str) -> None:
    with pytest.raises(ValidationError) as info:
        _device(text)
    assert why in str(info.value)


@pytest.mark.parametrize("form", ["192.0.2.2:22", "3221225986", "192.0.2.02", "0xc0000202",
                                  "0300.0.2.2"])
def test_the_issues_forms_of_another_agencys_router_fail_validate_at_the_field(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], form: str) -> None:
    """mf-r1's mgmt aimed at mi-r1 (192.0.2.2): refused, or a duplicate naming mi-r1."""
    text = (FIXTURES / "psk-mesh.yaml").read_text(encoding="utf-8")
    text = text.replace("mgmt: 192.0.2.4", f"mgmt: '{form}'")
    path = tmp_path / "inv.yaml"
    path.write_text(text, encoding="utf-8")
    before = text[:text.index(f"'{form}'")]
    place = f"{path}:{before.count(chr(10)) + 1}:{len(before) - before.rfind(chr(10))}"
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith(f"{place}: error: "))
    assert "already used by device mi-r1" in line or "ambiguous" in line


# --- durations ---------------------------------------------------------------------------

def _pools(quarantine: object) -> dict[str, object]:
    return {"tunnels": "100.64.0.0/24", "loopbacks": "100.65.0.0/26", "quarantine": quarantine}


def _fabric(**extra: object) -> Fabric:
    data: dict[str, object] = {
        "name": "f", "topology": {"kind": "full-mesh"}, "underlays": {"private":
                                                                       {"preference": 10}},
        "pools": _pools("30d"), "routing": {"asn_base": 4200000000}, **extra}
    return Fabric.model_validate(data)


@pytest.mark.parametrize("huge", ["99999999999999d", 99999999999999, "3651d", "9" * 5000,
                                  "315360001s"])
def test_a_quarantine_beyond_ten_years_is_refused_with_its_limit(huge: object) -> None:
    with pytest.raises(ValidationError) as info:
        _fabric(pools=_pools(huge))
    assert "the quarantine of" in str(info.value) and "at most 3650d" in str(info.value)


def test_ten_years_of_quarantine_is_allowed() -> None:
    assert _fabric(pools=_pools("3650d")).pools.quarantine == MAX_QUARANTINE


@pytest.mark.parametrize("section", ["ike", "esp"])
def test_sa_lifetimes_beyond_a_week_are_refused(section: str) -> None:
    proposal = {"encryption": ["aes-256-gcm"], "prf": ["sha384"], "dh_groups": [20],
                "lifetime": "8d"} if section == "ike" else {
        "encryption": ["aes-256-gcm"], "pfs_groups": [20], "lifetime": "99999999999999d"}
    crypto = {"profile": "custom", "ike": None, "esp": None, section: proposal}
    with pytest.raises(ValidationError) as info:
        _fabric(crypto={k: v for k, v in crypto.items() if v is not None})
    assert "a lifetime of" in str(info.value) and "at most 7d (604800 s)" in str(info.value)


def test_lifetimes_the_crypto_check_judges_still_parse() -> None:
    """A day and a bit (the error corpus's 'too long' cases) reach the crypto check."""
    assert parse_duration("90000", most=MAX_LIFETIME) == 90000
    assert parse_duration("7d", most=MAX_LIFETIME) == MAX_LIFETIME


def test_the_quarantine_overflow_is_a_finding_not_a_traceback(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (FIXTURES / "psk-mesh.yaml").read_text(encoding="utf-8").replace(
        "loopbacks: 100.65.0.0/26\n", "loopbacks: 100.65.0.0/26\n    quarantine: 99999999999999d\n")
    path = tmp_path / "inv.yaml"
    path.write_text(text, encoding="utf-8")
    (tmp_path / "inv.allocations.yaml").write_bytes(
        (FIXTURES / "psk-mesh.allocations.yaml").read_bytes())
    for command in ("validate", "plan"):
        assert main([command, str(path)]) == 1
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err + captured.out
        assert f"{path}:12:17: error: the quarantine of '99999999999999d' is too long" in \
            captured.out + captured.err
