"""Crypto compliance: each negotiated proposal held against NCSC guidance, RFC 8247
(IKEv2 algorithms), RFC 8221 (ESP algorithms) and the fabric's own profile.

A tunnel passes when every check passes, warns when only advisory checks fail
(PSK where NCSC recommends certificates), and fails otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator

from netorch import crypto as rules
from netorch.inventory.model import Crypto
from netorch.plan.model import EspChoice, IkeChoice, Proposal
from netorch.report.model import Check, CheckStatus, Compliance, ProposalCompliance

NCSC = "NCSC IPsec guidance (PRIME)"
RFC_IKE = "RFC 8247"
RFC_ESP = "RFC 8221"


def _check(rule: str, reference: str, ok: bool, observed: str,
           fail: CheckStatus = "fail") -> Check:
    return Check(rule=rule, reference=reference, status="pass" if ok else fail,
                 observed=observed)


def ike_checks(ike: IkeChoice) -> Iterator[Check]:
    yield _check("IKE version 2 only", f"{RFC_IKE}; {NCSC}", ike.version == 2,
                 f"IKEv{ike.version}")
    yield _check("IKE encryption not weak (no DES, 3DES, NULL)", RFC_IKE,
                 ike.encryption not in rules.WEAK_ENCRYPTION, ike.encryption)
    yield _check("IKE PRF not weak (no MD5, SHA-1)", RFC_IKE,
                 ike.prf not in rules.WEAK_INTEGRITY, ike.prf)
    integrity_ok = (ike.encryption in rules.AEAD or
                    (ike.integrity is not None and ike.integrity not in rules.WEAK_INTEGRITY))
    yield _check("IKE integrity: AEAD or strong HMAC", RFC_IKE, integrity_ok,
                 ike.integrity or ("AEAD" if ike.encryption in rules.AEAD else "none"))
    yield _check("IKE DH group not weak (no 1, 2, 5, 22-24)", RFC_IKE,
                 ike.dh_group not in rules.WEAK_DH_GROUPS, f"group {ike.dh_group}")
    yield _check("IKE SA lifetime at most 24 h", NCSC, ike.lifetime <= rules.MAX_IKE_LIFETIME,
                 f"{ike.lifetime} s")


def esp_checks(esp: EspChoice) -> Iterator[Check]:
    yield _check("ESP encryption not weak (no DES, 3DES, NULL)", RFC_ESP,
                 esp.encryption not in rules.WEAK_ENCRYPTION, esp.encryption)
    integrity_ok = (esp.encryption in rules.AEAD or
                    (esp.integrity is not None and esp.integrity not in rules.WEAK_INTEGRITY))
    yield _check("ESP integrity: AEAD or strong HMAC", RFC_ESP, integrity_ok,
                 esp.integrity or ("AEAD" if esp.encryption in rules.AEAD else "none"))
    yield _check("Perfect forward secrecy on", NCSC, esp.pfs_group is not None,
                 f"group {esp.pfs_group}" if esp.pfs_group else "no PFS")
    pfs_ok = esp.pfs_group is not None and esp.pfs_group not in rules.WEAK_DH_GROUPS
    yield _check("PFS group not weak", RFC_IKE, pfs_ok,
                 f"group {esp.pfs_group}" if esp.pfs_group else "no PFS")
    yield _check("IPsec SA lifetime at most 8 h", NCSC, esp.lifetime <= rules.MAX_ESP_LIFETIME,
                 f"{esp.lifetime} s")


def profile_checks(proposal: Proposal, crypto: Crypto, auth: str) -> Iterator[Check]:
    """The negotiated choice is one the fabric's profile offers; auth as NCSC advises."""
    offered = rules.proposals(crypto)
    if offered is None:
        yield _check(f"matches profile {crypto.profile}", "fabric.yaml", False, "no profile")
        return
    ike, esp = offered
    ike_ok = (proposal.ike.encryption in ike.encryption and proposal.ike.prf in ike.prf
              and proposal.ike.dh_group in ike.dh_groups
              and proposal.ike.lifetime == int(ike.lifetime))
    esp_ok = (proposal.esp.encryption in esp.encryption
              and (proposal.esp.pfs_group in esp.pfs_groups if esp.pfs_groups
                   else proposal.esp.pfs_group is None)
              and proposal.esp.lifetime == int(esp.lifetime))
    yield _check(f"matches profile {crypto.profile}", "fabric.yaml", ike_ok and esp_ok,
                 proposal.name)
    advisory: CheckStatus = "warn"
    yield _check("certificate authentication", NCSC,
                 auth == "certificate" or crypto.profile == "custom", auth, fail=advisory)


def result_of(checks: list[Check]) -> Compliance:
    statuses = {c.status for c in checks}
    if "fail" in statuses:
        return "fail"
    return "warn" if "warn" in statuses else "pass"


def why(checks: list[Check]) -> str:
    """One line: what failed (or warned), or how many checks passed."""
    bad = [f"{c.rule} ({c.observed})" for c in checks if c.status != "pass"]
    return "; ".join(bad) if bad else f"all {len(checks)} checks pass"


def describe_ike(ike: IkeChoice) -> str:
    integrity = f", {ike.integrity}" if ike.integrity else ""
    return (f"IKEv{ike.version} {ike.encryption}{integrity}, PRF {ike.prf}, "
            f"DH {ike.dh_group}, {ike.lifetime} s")


def describe_esp(esp: EspChoice) -> str:
    integrity = f", {esp.integrity}" if esp.integrity else ""
    pfs = f"PFS {esp.pfs_group}" if esp.pfs_group else "no PFS"
    return f"ESP {esp.encryption}{integrity}, {pfs}, {esp.lifetime} s"


def assess(pid: str, proposal: Proposal, crypto: Crypto, auth: str, tunnels: int
           ) -> ProposalCompliance:
    checks = [*ike_checks(proposal.ike), *esp_checks(proposal.esp),
              *profile_checks(proposal, crypto, auth)]
    return ProposalCompliance(id=pid, proposal=proposal.name, ike=describe_ike(proposal.ike),
                              esp=describe_esp(proposal.esp), auth=auth,
                              result=result_of(checks), checks=checks, tunnels=tunnels)
