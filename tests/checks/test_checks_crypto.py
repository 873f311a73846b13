"""Crypto held against NCSC guidance and RFC 8247: every weak choice is an error."""

from __future__ import annotations

from typing import Any

import pytest

from netorch import crypto
from tests.checks.rulekit import GOOD_ESP, GOOD_IKE, build, codes, only


def _custom(ike: dict[str, Any] | None = None, esp: dict[str, Any] | None = None,
            **crypto_kw: Any) -> Any:
    section = {"profile": "custom", "auth": "certificate",
               "ike": {**GOOD_IKE, **(ike or {})}, "esp": {**GOOD_ESP, **(esp or {})},
               **crypto_kw}
    return lambda d: d["fabric"].__setitem__("crypto", section)


def _weak(inv: Any) -> list[str]:
    """The weak-crypto messages, sorted (built in Python, every finding has one place)."""
    return sorted(f.message for f in only(inv, "weak-crypto"))


def test_a_strong_custom_profile_is_clean() -> None:
    assert codes(build(_custom())) == []


@pytest.mark.parametrize("algorithm", ["des", "3des", "null"])
def test_weak_encryption(algorithm: str) -> None:
    inv = build(_custom(ike={"encryption": [algorithm], "integrity": ["sha256"]},
                        esp={"encryption": [algorithm], "integrity": ["sha256"]}))
    assert _weak(inv) == [f"ESP encryption {algorithm} is too weak (NCSC / RFC 8247)",
                          f"IKE encryption {algorithm} is too weak (NCSC / RFC 8247)"]


@pytest.mark.parametrize("algorithm", ["md5", "sha1"])
def test_weak_integrity(algorithm: str) -> None:
    inv = build(_custom(ike={"prf": [algorithm]},
                        esp={"encryption": ["aes-256-cbc"], "integrity": [algorithm]}))
    assert _weak(inv) == [f"ESP integrity {algorithm} is too weak (NCSC / RFC 8247)",
                          f"IKE PRF {algorithm} is too weak (NCSC / RFC 8247)"]


@pytest.mark.parametrize("group", sorted(crypto.WEAK_DH_GROUPS))
def test_weak_dh_groups(group: int) -> None:
    inv = build(_custom(ike={"dh_groups": [19, group]}, esp={"pfs_groups": [group]}))
    assert _weak(inv) == [f"DH group {group} is too weak (NCSC / RFC 8247)",
                          f"PFS group {group} is too weak (NCSC / RFC 8247)"]


def test_ikev1_aggressive_mode() -> None:
    messages = _weak(build(_custom(ike={"version": 1, "mode": "aggressive"})))
    assert len(messages) == 2
    assert messages[0].startswith("IKEv1 aggressive mode")
    assert messages[1].startswith("IKEv1 is not allowed")


def test_no_pfs() -> None:
    assert _weak(build(_custom(esp={"pfs_groups": []}))) == [
        "ESP without PFS: add pfs_groups, e.g. [19] (NCSC / RFC 8247)"]


@pytest.mark.parametrize(("lifetime", "weak"), [("24h", False), ("1d", False),
                                                (86401, True), ("25h", True)])
def test_ike_lifetime(lifetime: object, weak: bool) -> None:
    assert bool(_weak(build(_custom(ike={"lifetime": lifetime})))) is weak


@pytest.mark.parametrize(("lifetime", "weak"), [("8h", False), (28800, False),
                                                ("481m", True), ("1d", True)])
def test_esp_lifetime(lifetime: object, weak: bool) -> None:
    assert bool(_weak(build(_custom(esp={"lifetime": lifetime})))) is weak


def test_cbc_needs_integrity() -> None:
    [finding] = only(build(_custom(ike={"encryption": ["aes-256-cbc"]})), "missing-integrity")
    assert finding.message.startswith("IKE encryption aes-256-cbc is not AEAD")


def test_custom_profile_needs_both_sections() -> None:
    inv = build(lambda d: d["fabric"].__setitem__("crypto", {"profile": "custom"}))
    assert codes(inv) == ["custom-profile-incomplete", "custom-profile-incomplete"]


def test_named_profile_rejects_proposals() -> None:
    inv = build(_custom(), lambda d: d["fabric"]["crypto"].update(profile="cnsa"))
    assert codes(inv) == ["profile-not-custom", "profile-not-custom"]


@pytest.mark.parametrize("profile", sorted(crypto.CERTIFICATE_PROFILES))
def test_psk_with_an_ncsc_profile_is_a_warning(profile: str) -> None:
    inv = build(lambda d: d["fabric"].__setitem__("crypto", {"profile": profile,
                                                             "auth": "psk"}))
    [finding] = only(inv, "psk-with-ncsc-profile")
    assert not finding.is_error
    assert "NCSC recommends certificates" in finding.message


def test_certificates_with_an_ncsc_profile_are_clean() -> None:
    assert codes(build()) == []
