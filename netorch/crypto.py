"""Crypto profiles as data, and the rules that make a proposal too weak.

Named profiles follow NCSC's PRIME guidance and the NSA CNSA suite; anything a
`custom` profile uses is held against RFC 8247 and NCSC's IPsec guidance.
"""

from __future__ import annotations

from netorch.inventory.model import Crypto, EspProposal, IkeProposal

PROFILES: dict[str, tuple[IkeProposal, EspProposal]] = {
    "ncsc-prime": (
        IkeProposal(encryption=["aes-128-gcm"], prf=["sha256"], dh_groups=[19], lifetime=86400),
        EspProposal(encryption=["aes-128-gcm"], pfs_groups=[19], lifetime=28800),
    ),
    "cnsa": (
        IkeProposal(encryption=["aes-256-gcm"], prf=["sha384"], dh_groups=[20], lifetime=86400),
        EspProposal(encryption=["aes-256-gcm"], pfs_groups=[20], lifetime=28800),
    ),
}

WEAK_ENCRYPTION = frozenset({"des", "3des", "null"})
WEAK_INTEGRITY = frozenset({"md5", "sha1"})
WEAK_DH_GROUPS = frozenset({1, 2, 5, 22, 23, 24})
AEAD = frozenset({"aes-128-gcm", "aes-256-gcm", "chacha20-poly1305"})
MAX_IKE_LIFETIME = 24 * 3600
MAX_ESP_LIFETIME = 8 * 3600
CERTIFICATE_PROFILES = frozenset({"ncsc-prime", "cnsa"})


def proposals(crypto: Crypto) -> tuple[IkeProposal, EspProposal] | None:
    """The IKE and ESP proposals a fabric's crypto settings stand for."""
    if crypto.profile == "custom":
        return (crypto.ike, crypto.esp) if crypto.ike and crypto.esp else None
    return PROFILES[crypto.profile]
