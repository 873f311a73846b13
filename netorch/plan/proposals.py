"""Crypto negotiation: what the fabric offers, cut down to what both ends can do."""

from __future__ import annotations

from collections.abc import Sequence

from netorch.crypto import AEAD
from netorch.inventory.model import EspProposal, IkeProposal
from netorch.plan.model import EspChoice, IkeChoice, Proposal
from netorch.platforms import Platform

SWAN_CIPHER = {"aes-128-gcm": "aes128gcm16", "aes-256-gcm": "aes256gcm16",
               "aes-128-cbc": "aes128", "aes-256-cbc": "aes256",
               "chacha20-poly1305": "chacha20poly1305", "3des": "3des", "des": "des",
               "null": "null"}
SWAN_DH = {1: "modp768", 2: "modp1024", 5: "modp1536", 14: "modp2048", 15: "modp3072",
           16: "modp4096", 19: "ecp256", 20: "ecp384", 21: "ecp521", 22: "modp1024s160",
           23: "modp2048s224", 24: "modp2048s256", 31: "curve25519"}


class NoCommonProposal(Exception):
    """Both ends share nothing for one part of the proposal; `what` says which."""

    def __init__(self, what: str, offered: list[str], a: Platform, b: Platform) -> None:
        self.what, self.offered, self.a, self.b = what, offered, a, b
        super().__init__(what)


def _common(what: str, offered: Sequence[str], a: Platform, b: Platform,
            supported_a: frozenset[str], supported_b: frozenset[str]) -> str:
    for choice in offered:
        if choice in supported_a and choice in supported_b:
            return choice
    raise NoCommonProposal(what, list(offered), a, b)


def _dh(what: str, offered: Sequence[int], a: Platform, b: Platform) -> int:
    for group in offered:
        if group in a.dh_groups and group in b.dh_groups:
            return group
    raise NoCommonProposal(what, [str(g) for g in offered], a, b)


def negotiate(ike: IkeProposal, esp: EspProposal, a: Platform, b: Platform) -> Proposal:
    """The proposal two platforms agree on: the fabric's first choice both support."""
    ike_enc = _common("IKE encryption", ike.encryption, a, b, a.encryption, b.encryption)
    prf = _common("IKE PRF", ike.prf, a, b, a.integrity, b.integrity)
    ike_int = None if ike_enc in AEAD else _common(
        "IKE integrity", ike.integrity or ike.prf, a, b, a.integrity, b.integrity)
    group = _dh("IKE DH group", ike.dh_groups, a, b)
    esp_enc = _common("ESP encryption", esp.encryption, a, b, a.encryption, b.encryption)
    esp_int = None if esp_enc in AEAD else _common(
        "ESP integrity", esp.integrity, a, b, a.integrity, b.integrity)
    pfs = _dh("ESP PFS group", esp.pfs_groups, a, b) if esp.pfs_groups else None
    ike_choice = IkeChoice(version=ike.version, encryption=ike_enc, prf=prf, integrity=ike_int,
                           dh_group=group, lifetime=int(ike.lifetime))
    esp_choice = EspChoice(encryption=esp_enc, integrity=esp_int, pfs_group=pfs,
                           lifetime=int(esp.lifetime))
    return Proposal(ike=ike_choice, esp=esp_choice, name=swan_name(ike_choice))


def swan_name(ike: IkeChoice) -> str:
    """strongSwan's spelling of an IKE proposal, e.g. aes128gcm16-prfsha256-ecp256."""
    parts = [SWAN_CIPHER[ike.encryption]]
    if ike.integrity:
        parts.append(ike.integrity)
    parts += [f"prf{ike.prf}", SWAN_DH[ike.dh_group]]
    return "-".join(parts)


def swan_esp_name(esp: EspChoice) -> str:
    """strongSwan's spelling of an ESP proposal, e.g. aes128gcm16-ecp256."""
    parts = [SWAN_CIPHER[esp.encryption]]
    if esp.integrity:
        parts.append(esp.integrity)
    if esp.pfs_group:
        parts.append(SWAN_DH[esp.pfs_group])
    return "-".join(parts)
