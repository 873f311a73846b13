"""Crypto settings held against NCSC guidance and RFC 8247."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence

from netorch import crypto as rules
from netorch.checks.context import Context
from netorch.findings import Finding, error, warning
from netorch.inventory.model import EspProposal, IkeProposal

_AT = ("fabric", "crypto")
_WHY = "(NCSC / RFC 8247)"


def profile_sections(ctx: Context) -> Iterator[Finding]:
    crypto = ctx.fabric.crypto
    if crypto.profile == "custom":
        for name in ("ike", "esp"):
            if getattr(crypto, name) is None:
                yield error("custom-profile-incomplete",
                            f"profile 'custom' needs an '{name}' section",
                            ctx.at(*_AT, "profile"))
        return
    for name in ("ike", "esp"):
        if getattr(crypto, name) is not None:
            yield error("profile-not-custom", f"'{name}' is only allowed with profile: "
                        f"custom (profile '{crypto.profile}' fixes its algorithms)",
                        ctx.at(*_AT, name, key=True))


def _algorithms(ctx: Context, section: str, field: str, values: Sequence[object],
                weak: Collection[object], what: str) -> Iterator[Finding]:
    for i, value in enumerate(values):
        if value in weak:
            yield error("weak-crypto", f"{what} {value} is too weak {_WHY}",
                        ctx.at(*_AT, section, field, i))


def _aead(ctx: Context, section: str, encryption: Sequence[str], integrity: Sequence[str]
          ) -> Iterator[Finding]:
    needs = [e for e in encryption if e not in rules.AEAD and e not in rules.WEAK_ENCRYPTION]
    if needs and not integrity:
        yield error("missing-integrity", f"{section.upper()} encryption {', '.join(needs)} "
                    "is not AEAD and needs an integrity algorithm: add 'integrity: [sha256]'",
                    ctx.at(*_AT, section, "encryption"))


def _ike(ctx: Context, ike: IkeProposal) -> Iterator[Finding]:
    yield from _algorithms(ctx, "ike", "encryption", ike.encryption, rules.WEAK_ENCRYPTION,
                           "IKE encryption")
    yield from _algorithms(ctx, "ike", "prf", ike.prf, rules.WEAK_INTEGRITY, "IKE PRF")
    yield from _algorithms(ctx, "ike", "integrity", ike.integrity, rules.WEAK_INTEGRITY,
                           "IKE integrity")
    yield from _algorithms(ctx, "ike", "dh_groups", ike.dh_groups, rules.WEAK_DH_GROUPS,
                           "DH group")
    yield from _aead(ctx, "ike", ike.encryption, ike.integrity)
    if ike.version == 1:
        yield error("weak-crypto", f"IKEv1 is not allowed: use version 2 {_WHY}",
                    ctx.at(*_AT, "ike", "version"))
    if ike.mode == "aggressive":
        yield error("weak-crypto", "IKEv1 aggressive mode exposes the identity and a "
                    f"crackable PSK hash {_WHY}", ctx.at(*_AT, "ike", "mode"))
    if ike.lifetime > rules.MAX_IKE_LIFETIME:
        yield error("weak-crypto", f"IKE lifetime {ike.lifetime}s is above 24 h {_WHY}",
                    ctx.at(*_AT, "ike", "lifetime"))


def _esp(ctx: Context, esp: EspProposal) -> Iterator[Finding]:
    yield from _algorithms(ctx, "esp", "encryption", esp.encryption, rules.WEAK_ENCRYPTION,
                           "ESP encryption")
    yield from _algorithms(ctx, "esp", "integrity", esp.integrity, rules.WEAK_INTEGRITY,
                           "ESP integrity")
    yield from _algorithms(ctx, "esp", "pfs_groups", esp.pfs_groups, rules.WEAK_DH_GROUPS,
                           "PFS group")
    yield from _aead(ctx, "esp", esp.encryption, esp.integrity)
    if not esp.pfs_groups:
        yield error("weak-crypto", f"ESP without PFS: add pfs_groups, e.g. [19] {_WHY}",
                    ctx.at(*_AT, "esp", key=True))
    if esp.lifetime > rules.MAX_ESP_LIFETIME:
        yield error("weak-crypto", f"IPsec lifetime {esp.lifetime}s is above 8 h {_WHY}",
                    ctx.at(*_AT, "esp", "lifetime"))


def custom_strength(ctx: Context) -> Iterator[Finding]:
    crypto = ctx.fabric.crypto
    if crypto.ike is not None:
        yield from _ike(ctx, crypto.ike)
    if crypto.esp is not None:
        yield from _esp(ctx, crypto.esp)


def psk_with_profile(ctx: Context) -> Iterator[Finding]:
    crypto = ctx.fabric.crypto
    if crypto.auth == "psk" and crypto.profile in rules.CERTIFICATE_PROFILES:
        yield warning("psk-with-ncsc-profile", f"profile '{crypto.profile}' with PSK "
                      "authentication: NCSC recommends certificates (auth: certificate)",
                      ctx.at(*_AT, "auth"))


RULES = (profile_sections, custom_strength, psk_with_profile)
