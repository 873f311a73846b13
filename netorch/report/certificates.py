"""The certificate table and its compliance rows: a certificate fabric's PKI folder at the
report's time (`generated_at`, so the same inventory and time give the same report).

Rows: the CA, then every device (subject, key, signature hash, serial, not_after, days
left, state). Checks: keys and signature hashes against the crypto profile
(`netorch.pki.key_spec`), each certificate's CN and SAN against its device's IKE
identity, every certificate signed by the fabric CA, the CA outliving every device
certificate (of the devices that hold one), and every device holding a certificate in
force. Days and states are counted as `pki status` and validate count them
(`netorch.pki.days_left`, `renew_due`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from netorch.checks.pki import Folder, read_folder
from netorch.inventory.model import Inventory
from netorch.report.compliance import result_of
from netorch.report.model import CertificateRow, Certificates, Check, CheckStatus

if TYPE_CHECKING:
    from cryptography import x509

    from netorch.pki import FabricPki, Member

RFC_4945 = "RFC 4945 3.1 (the IKE identity is in the certificate)"
_STATUS: dict[str, CheckStatus] = {"ok": "pass", "renew-due": "warn", "unsigned": "warn"}


def certificates(inventory: Inventory, now: datetime) -> Certificates | None:
    """The certificate section; None for a PSK fabric."""
    if inventory.fabric.crypto.auth != "certificate":
        return None
    from netorch.pki import fabric_view, key_spec  # noqa: PLC0415 - lazy: cryptography

    spec = key_spec(inventory.fabric.crypto.profile)
    base = {"profile_key": spec.name, "profile_hash": spec.hash, "reference": spec.source}
    if not inventory.path:
        return Certificates(source="out-of-band", folder="", ca=None, devices=[], checks=[],
                            result="pass", **base)
    view = fabric_view(inventory)
    folder = view.paths.root.as_posix()
    if not view.paths.exists():
        return Certificates(source="out-of-band", folder=folder, ca=None, devices=[],
                            checks=[], result="pass", **base)
    read = read_folder(inventory)
    if read.pki is None:
        return Certificates(source="unreadable", folder=folder, ca=None, devices=[],
                            checks=[], result="fail", **base)
    rows = _Rows(read, now)
    ca = rows.ca()
    devices = [rows.device(m) for m in view.members]
    checks = _checks(read.pki, ca, devices)
    return Certificates(source="pki-folder", folder=folder, ca=ca, devices=devices,
                        checks=checks, result=result_of(checks), **base)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _errors() -> tuple[type[Exception], ...]:
    from cryptography.exceptions import UnsupportedAlgorithm  # noqa: PLC0415 - lazy

    return ValueError, TypeError, UnsupportedAlgorithm


class _Rows:
    def __init__(self, read: Folder, now: datetime) -> None:
        assert read.pki is not None
        self.pki: FabricPki = read.pki
        self.unreadable = read.unreadable
        self.now = now

    def ca(self) -> CertificateRow:
        file = self.pki.view.paths.ca_cert.as_posix()
        return self._row("CA", file, self.pki.ca, revoked=False)

    def device(self, member: Member) -> CertificateRow:
        file = self.pki.view.paths.cert(member.name).as_posix()
        cert = self.pki.certs.get(member.name)
        if cert is None:
            state = "unreadable" if member.name in self.unreadable else \
                "unsigned" if member.keys == "device" else "missing"
            return CertificateRow(name=member.name, file=file, subject=None, key=None,
                                  hash=None, serial=None, not_after=None, days_left=None,
                                  state=state, status=_STATUS.get(state, "fail"))
        try:
            return self._row(member.name, file, cert, revoked=self.pki.revoked(cert))
        except _errors():
            return CertificateRow(name=member.name, file=file, subject=None, key=None,
                                  hash=None, serial=None, not_after=None, days_left=None,
                                  state="unreadable", status="fail")

    def _row(self, name: str, file: str, cert: x509.Certificate, *,
             revoked: bool) -> CertificateRow:
        from netorch.pki import days_left, renew_due  # noqa: PLC0415 - lazy: cryptography
        from netorch.pki.profile import describe_key  # noqa: PLC0415 - lazy: cryptography
        from netorch.pki.store import serial_hex  # noqa: PLC0415 - lazy: cryptography

        ends = cert.not_valid_after_utc
        state = "revoked" if revoked else "expired" if ends <= self.now else \
            "renew-due" if renew_due(ends, self.now) else "ok"
        return CertificateRow(
            name=name, file=file, subject=cert.subject.rfc4514_string(),
            key=describe_key(cert.public_key()), hash=_hash_of(cert),
            serial=serial_hex(cert.serial_number), not_after=_iso(ends),
            days_left=days_left(ends, self.now), state=state, status=_STATUS.get(state, "fail"))


def _hash_of(cert: x509.Certificate) -> str | None:
    try:
        algorithm = cert.signature_hash_algorithm
    except _errors():
        return None
    return None if algorithm is None else algorithm.name


def _check(rule: str, reference: str, bad: list[str], total: int, what: str) -> Check:
    """pass when nothing is `bad`; observed: how many are fine, and the first bad ones."""
    if not bad:
        return Check(rule=rule, reference=reference, status="pass",
                     observed=f"{total} of {total} {what}")
    shown = ", ".join(bad[:5]) + (f" and {len(bad) - 5} more" if len(bad) > 5 else "")
    return Check(rule=rule, reference=reference, status="fail",
                 observed=f"{total - len(bad)} of {total} {what}; not: {shown}")


def _checks(fpki: FabricPki, ca: CertificateRow, devices: list[CertificateRow]
            ) -> list[Check]:
    spec = fpki.view.spec
    present = [r for r in [ca, *devices] if r.subject is not None]
    held = [r for r in devices if r.not_after is not None]  # the devices with a certificate
    return [
        _check(f"keys are {spec.name}", spec.source,
               [f"{r.name} ({r.key})" for r in present if r.key != spec.name],
               len(present), "certificates"),
        _check(f"signatures use {spec.hash}", spec.source,
               [f"{r.name} ({r.hash})" for r in present if r.hash != spec.hash],
               len(present), "certificates"),
        _by_device(fpki, "subject CN and SAN = the device's IKE identity", RFC_4945,
                   _names_fit),
        _by_device(fpki, "signed by the fabric CA", "the fabric's PKI folder", _signed),
        _check("the CA outlives every device certificate", "RFC 5280 6.1 (a chain is valid "
               "only while its CA is)",
               [r.name for r in held if ca.not_after and r.not_after
                and r.not_after > ca.not_after], len(held), "devices"),
        _states(devices),
    ]


def _by_device(fpki: FabricPki, rule: str, reference: str,
               fits: Callable[[FabricPki, Member, x509.Certificate], bool]) -> Check:
    held = [(m, fpki.certs[m.name]) for m in fpki.view.members if m.name in fpki.certs]
    bad = []
    for member, cert in held:
        try:
            ok = fits(fpki, member, cert)
        except _errors():
            ok = False
        if not ok:
            bad.append(member.name)
    return _check(rule, reference, bad, len(held), "devices")


def _names_fit(fpki: FabricPki, member: Member, cert: x509.Certificate) -> bool:
    from netorch.pki.store import common_names, dns_names  # noqa: PLC0415 - lazy: x509

    return common_names(cert.subject) == [member.ike_id] == dns_names(cert)


def _signed(fpki: FabricPki, member: Member, cert: x509.Certificate) -> bool:
    from netorch.pki import signed_by  # noqa: PLC0415 - lazy: cryptography

    return signed_by(cert, fpki.ca)


def _states(devices: list[CertificateRow]) -> Check:
    from netorch.pki import RENEW_WITHIN  # noqa: PLC0415 - lazy: cryptography

    counts = Counter(r.state for r in devices)
    observed = ", ".join(f"{state} {n}" for state, n in sorted(counts.items()))
    status: CheckStatus = "pass" if set(counts) <= {"ok"} else \
        "warn" if set(counts) <= {"ok", "renew-due", "unsigned"} else "fail"
    return Check(rule="every device holds a certificate in force", reference=f"netorch pki "
                 f"status (renew within {RENEW_WITHIN} days)", status=status,
                 observed=observed or "no devices")
