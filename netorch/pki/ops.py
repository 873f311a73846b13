"""`pki init`, `issue`, `sign` and `revoke`: every change to the fabric's PKI folder.

Each writes its files atomically, holding the PKI folder's lock. A certificate is
recorded in the ledger (`index.json`) before its file is written, so an interrupted run
may leave a recorded serial without a file (never deployed: the next run issues
again), never a certificate the ledger does not know and so could not revoke.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec

from netorch.errors import UserError
from netorch.fsio import read_regular, write_file
from netorch.keys import Secret
from netorch.pki import authority
from netorch.pki.authority import CaKeyFile
from netorch.pki.fabric import FabricView, Member, require_certificates
from netorch.pki.issue import ca_id, crl, csr_pem, derived_key, device_cert, key_id, pem
from netorch.pki.profile import describe_key
from netorch.pki.store import (
    CaRecord,
    Issued,
    KeySource,
    Ledger,
    PkiPaths,
    common_names,
    dns_names,
    read_cert,
    read_crl,
    serial_hex,
)

CA_DAYS = 3650
DEVICE_DAYS = 365
RENEW_WITHIN = 30
CRL_DAYS = 365  # a pushed CRL: long-lived, as no device can fetch a fresher one (issue
# re-signs it when due; validate warns `crl-renew-due`)
MAX_CSR_BYTES = 64 * 1024
P = ParamSpec("P")
R = TypeVar("R")


def utcnow(now: datetime | None = None) -> datetime:
    return (now or datetime.now(UTC)).replace(microsecond=0)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Outcome:
    """What a PKI command did, line by line, and what it could not do."""

    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


Operation = Callable[Concatenate[FabricView, P], R]


def _locked(func: Operation[P, R]) -> Operation[P, R]:
    """Run `func` holding the PKI folder's lock (`PkiPaths.locked`)."""

    def wrapper(view: FabricView, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with view.paths.locked():
            return func(view, *args, **kwargs)

    return functools.update_wrapper(wrapper, func)


def _refuse_existing(view: FabricView) -> None:
    require_certificates(view)
    if view.paths.exists():
        raise UserError(f"{view.paths.ca_cert.as_posix()}: the fabric already has a CA "
                        "(netorch never replaces one: its certificates would all fail)")


def init(view: FabricView, key_file: CaKeyFile, *, days: int = CA_DAYS,
         crl_days: int = CRL_DAYS, now: datetime | None = None) -> Outcome:
    """Create the fabric CA: key to `key_file`, certificate, empty CRL and ledger (under
    the lock of the folder the PKI folder is made in: two inits never both create)."""
    with view.paths.locked(parent=True):
        return _init(view, key_file, days, crl_days, now)


def _init(view: FabricView, key_file: CaKeyFile, days: int, crl_days: int,
          now: datetime | None) -> Outcome:
    _refuse_existing(view)
    moment = utcnow(now)
    key, cert = authority.make_ca(view.name, view.spec, days, moment)
    authority.save_ca_key(key_file, key)
    view.paths.write("ca.crt", pem(cert))
    view.paths.write("crl.pem", pem(crl(cert, key, view.spec, [], 1, moment,
                                        min(crl_days, days))))
    view.paths.write_ledger(Ledger(fabric=view.name, crl_number=1, ca=CaRecord(
        serial=serial_hex(cert.serial_number), not_after=iso(cert.not_valid_after_utc),
        source="netorch")))
    return Outcome([f"created the {view.spec.name} CA of fabric {view.name}: "
                    f"{view.paths.ca_cert.as_posix()} (key: {key_file.path.as_posix()}), "
                    f"valid until {iso(cert.not_valid_after_utc)}"])


def import_ca(view: FabricView, ca_file: Path) -> Outcome:
    """Use an enterprise CA: only its certificate is copied; netorch then signs nothing."""
    with view.paths.locked(parent=True):
        return _import_ca(view, ca_file)


def _import_ca(view: FabricView, ca_file: Path) -> Outcome:
    _refuse_existing(view)
    cert = read_cert(ca_file)
    if not authority.is_ca(cert):
        raise UserError(f"{ca_file.as_posix()}: not a CA certificate (basicConstraints "
                        "CA:TRUE is missing)")
    view.paths.write("ca.crt", pem(cert))
    view.paths.write_ledger(Ledger(fabric=view.name, ca=CaRecord(
        serial=serial_hex(cert.serial_number), not_after=iso(cert.not_valid_after_utc),
        source="imported")))
    found = describe_key(cert.public_key())
    note = "" if found == view.spec.name else f" (its key is {found}, the profile asks " \
        f"for {view.spec.name})"
    return Outcome([f"imported the enterprise CA {cert.subject.rfc4514_string()}{note}: "
                    f"place its device certificates in {view.paths.root.as_posix()}/certs/ "
                    "and its CRL at crl.pem"])


@dataclass(frozen=True)
class Authority:
    """An opened netorch CA: its certificate and key; its ledger is read afresh at each
    use, so one opened authority serves many operations."""

    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey
    paths: PkiPaths

    @property
    def ledger(self) -> Ledger:
        ledger = self.paths.read_ledger()
        if ledger is None:
            raise UserError(f"{self.paths.index.as_posix()}: the PKI index is missing")
        return ledger


def require_ca(view: FabricView, init: str = "`netorch pki init`") -> None:
    """Refuse (`UserError`) a PSK fabric, or a certificate fabric without a CA yet."""
    require_certificates(view)
    if not view.paths.exists():
        raise UserError(f"{view.paths.root.as_posix()}: the fabric has no CA yet: run "
                        f"{init} first")


def own_ca(view: FabricView) -> None:
    """Refuse (`UserError`) unless the fabric has a CA netorch made: asked before any CA
    key or passphrase is, so an enterprise fabric is told at once that netorch signs
    nothing."""
    require_ca(view)
    ledger = view.paths.read_ledger()
    if ledger is None:
        raise UserError(f"{view.paths.index.as_posix()}: the PKI index is missing (restore it "
                        "from version control: netorch signs nothing without its ledger)")
    if ledger.ca.source != "netorch":
        raise UserError(f"{view.paths.root.as_posix()}: the fabric's CA is an enterprise CA "
                        "(imported): netorch signs nothing; its certificates come from it")
    check_ledger(view, ledger, read_cert(view.paths.ca_cert, view.paths.resolved))


def check_ledger(view: FabricView, ledger: Ledger, ca_cert: x509.Certificate) -> None:
    """Refuse (`UserError`) a ledger of another fabric or another CA (`pki-index-mismatch`
    in validate): its records would be applied to the wrong certificates."""
    if ledger.fabric != view.name or ledger.ca.serial != serial_hex(ca_cert.serial_number):
        raise UserError(f"{view.paths.index.as_posix()}: the PKI index belongs to another "
                        f"fabric or CA than {view.name}'s ca.crt (`netorch validate` says "
                        "which): restore the fabric's own from version control")


def open_authority(view: FabricView, key_file: CaKeyFile) -> Authority:
    own_ca(view)
    cert = read_cert(view.paths.ca_cert, view.paths.resolved)
    key = authority.load_ca_key(key_file, view.spec)
    authority.check_key_matches(key, cert, key_file)
    return Authority(cert, key, view.paths)


def _due(current: Issued | None, cert_exists: bool, moment: datetime, within: int) -> bool:
    if current is None or current.revoked or not cert_exists:
        return True
    not_after = datetime.fromisoformat(current.not_after)
    return not_after - moment <= timedelta(days=within)


@_locked
def issue(view: FabricView, ca: Authority, secret: Secret | None, members: list[Member], *,
          days: int = DEVICE_DAYS, renew_within: int = RENEW_WITHIN,
          crl_days: int = CRL_DAYS, now: datetime | None = None) -> Outcome:
    """Issue every missing certificate of `members`, renew those due, re-key the revoked;
    re-sign the CRL (valid `crl_days`) when it is due within `renew_within` days.

    Every certificate is made first (a missing secret stops before anything is written),
    then the ledger records them all, then their files are written: an interrupted run
    leaves recorded serials without a file (never deployed; the next run issues again),
    never a certificate the ledger does not know and so could not revoke."""
    moment = utcnow(now)
    _within_ca(ca, moment, days)
    ledger = ca.ledger
    outcome, made = Outcome(), []
    for member in members:
        current = ledger.current(member.name)
        if not _due(current, view.paths.cert(member.name).exists(), moment, renew_within):
            continue
        public, source, generation = _subject_key(view, ca, ledger, member, secret, outcome)
        if public is None:
            continue
        cert = device_cert(member.ike_id, public, ca.cert, ca.key, view.spec, moment, days)
        made.append((member.name, cert, _record(member.name, cert, source, generation)))
        outcome.done.append(f"{member.name}: {_verb(current)} {serial_hex(cert.serial_number)}"
                            f", valid until {iso(cert.not_valid_after_utc)}")
    records = [*ledger.certificates, *(record for *_, record in made)]
    number = _refresh_crl(view, ca, ledger, (moment, crl_days), renew_within, outcome)
    if outcome.done:
        view.paths.write_ledger(ledger.model_copy(
            update={"certificates": records, "crl_number": number}))
    for name, cert, _ in made:
        view.paths.write(f"certs/{name}.crt", pem(cert))
    return outcome


def _within_ca(ca: Authority, moment: datetime, days: int) -> None:
    if moment + timedelta(days=days) > ca.cert.not_valid_after_utc:
        raise UserError(f"the CA expires on {iso(ca.cert.not_valid_after_utc)}, before a "
                        f"{days}-day certificate would: issue for fewer --days")


def _refresh_crl(view: FabricView, ca: Authority, ledger: Ledger,
                 when: tuple[datetime, int], within: int, outcome: Outcome) -> int:
    """Re-sign the CRL (same entries, next number) when it is due within `within` days
    or missing: devices only ever get the CRL deploy pushes. Returns the CRL number."""
    moment, crl_days = when
    current = read_crl(view.paths.crl, view.paths.resolved)
    if current is not None and current.next_update_utc is not None \
            and current.next_update_utc - moment > timedelta(days=within):
        return ledger.crl_number
    number = ledger.crl_number + 1
    _write_crl(view, ca, ledger.certificates, number, (moment, crl_days))
    outcome.done.append(f"CRL: re-signed (number {number}), valid for {crl_days} days")
    return number


def _write_crl(view: FabricView, ca: Authority, records: list[Issued], number: int,
               when: tuple[datetime, int]) -> int:
    """Write the CRL listing every revoked record, valid from `when` for its days (never
    past the CA's own end); the count of revoked certificates."""
    moment, days = when
    days = min(days, max(1, (ca.cert.not_valid_after_utc - moment).days))
    revoked = [(int(c.serial, 16), datetime.fromisoformat(c.revoked))
               for c in records if c.revoked]
    view.paths.write("crl.pem", pem(crl(ca.cert, ca.key, view.spec, revoked, number, moment,
                                        days)))
    return len(revoked)


def _verb(current: Issued | None) -> str:
    if current is None:
        return "issued"
    return "re-keyed and issued" if current.revoked else "renewed"


def _subject_key(view: FabricView, ca: Authority, ledger: Ledger, member: Member,
                 secret: Secret | None, outcome: Outcome
                 ) -> tuple[ec.EllipticCurvePublicKey | None, KeySource, int]:
    """The public key to certify: the same key to renew, a new derived one otherwise;
    a device that holds its own key and has no usable certificate needs `pki sign`."""
    current = ledger.current(member.name)
    renewable = _renewable(view, ca, member, current)
    if renewable is not None and current is not None:
        return renewable, current.key, current.generation
    if member.keys == "device":
        outcome.skipped.append(f"{member.name}: its key is made on the device ({member.platform})"
                               ": sign its CSR with `netorch pki sign INVENTORY "
                               f"{member.name} CSR`")
        return None, "device", 0
    if secret is None:
        raise UserError("issuing derived device keys needs the master secret: set "
                        "NETORCH_SECRET or pass --secret-file")
    generation = ledger.generation(member.name)
    key = derived_key(secret, view.name, member.name, generation, view.spec,
                      ca=ca_id(ca.cert))
    return key.public_key(), "derived", generation


def _renewable(view: FabricView, ca: Authority, member: Member, current: Issued | None
               ) -> ec.EllipticCurvePublicKey | None:
    """The key of the device's certificate on disk, when renewing it is safe: it is the
    ledger's current, unrevoked serial and this CA signed it (a file put in its place is
    never certified again: the device is re-keyed, or needs a CSR)."""
    path = view.paths.cert(member.name)
    if current is None or current.revoked or not path.exists():
        return None
    cert = read_cert(path, view.paths.resolved)
    public = cert.public_key()
    if serial_hex(cert.serial_number) != current.serial or not signed_by(cert, ca.cert) \
            or not isinstance(public, ec.EllipticCurvePublicKey):
        return None
    return public


def signed_by(cert: x509.Certificate, ca_cert: x509.Certificate) -> bool:
    """Whether `ca_cert` issued `cert` (issuer name and signature)."""
    try:
        cert.verify_directly_issued_by(ca_cert)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def _record(device: str, cert: x509.Certificate, key: KeySource, generation: int) -> Issued:
    return Issued(device=device, serial=serial_hex(cert.serial_number),
                  key_id=key_id(cert.public_key()),
                  not_before=iso(cert.not_valid_before_utc),
                  not_after=iso(cert.not_valid_after_utc), key=key, generation=generation)


@_locked
def sign(view: FabricView, ca: Authority, member: Member, csr_file: Path, *,
         days: int = DEVICE_DAYS, now: datetime | None = None) -> Outcome:
    """Sign a device's CSR once its identity and key type are the device's and profile's."""
    if member.keys != "device":
        raise UserError(f"{member.name}'s platform ({member.platform}) takes its key from "
                        "netorch (derived from the master secret): `netorch pki issue` "
                        "certifies it; `pki sign` is for platforms that make their key on "
                        "the device")
    csr = _read_csr(csr_file)
    problems = _csr_problems(csr, member, view) + _key_reused(view, ca.ledger, member, csr)
    if problems:
        raise UserError(f"{csr_file.as_posix()}: refused: " + "; ".join(problems))
    moment = utcnow(now)
    _within_ca(ca, moment, days)
    public = csr.public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey)  # _csr_problems checked it
    cert = device_cert(member.ike_id, public, ca.cert, ca.key, view.spec, moment, days)
    ledger = ca.ledger
    records = [*ledger.certificates, _record(member.name, cert, "device", 0)]
    view.paths.write_ledger(ledger.model_copy(update={"certificates": records}))
    view.paths.write(f"certs/{member.name}.crt", pem(cert))
    return Outcome([f"{member.name}: signed {serial_hex(cert.serial_number)} for its own "
                    f"key, valid until {iso(cert.not_valid_after_utc)}"])


def _key_reused(view: FabricView, ledger: Ledger, member: Member,
                csr: x509.CertificateSigningRequest) -> list[str]:
    """A key once revoked (any device's), or another device's: one key, one device, and
    a revoked key never again."""
    public = csr.public_key()
    wanted = key_id(public)
    if any(c.key_id == wanted and c.revoked for c in ledger.certificates):
        return ["its key was revoked (the ledger lists a revoked certificate for it): make a "
                "new key on the device"]
    holders = {c.device for c in ledger.certificates if c.key_id == wanted}
    for other in view.members:
        path = view.paths.cert(other.name)
        if other.name != member.name and path.exists() \
                and read_cert(path, view.paths.resolved).public_key() == public:
            holders.add(other.name)
    holders.discard(member.name)
    if holders:
        return [f"its key is the one {', '.join(sorted(holders))}'s certificate holds (one "
                "key per device: make a new key on the device)"]
    return []


def _read_csr(path: Path) -> x509.CertificateSigningRequest:
    raw = read_regular(path, limit=MAX_CSR_BYTES, what="CSR", pipes=True)
    try:
        csr = x509.load_pem_x509_csr(raw)
    except ValueError:
        try:
            csr = x509.load_der_x509_csr(raw)
        except ValueError:
            raise UserError(f"{path.as_posix()}: not a certificate signing request (PEM or "
                            "DER PKCS#10)") from None
    if not csr.is_signature_valid:
        raise UserError(f"{path.as_posix()}: the CSR's signature is not valid")
    return csr


def _csr_problems(csr: x509.CertificateSigningRequest, member: Member,
                  view: FabricView) -> list[str]:
    problems = []
    found = describe_key(csr.public_key())
    if found != view.spec.name:
        problems.append(f"its key is {found}, the fabric's profile needs {view.spec.name}")
    names = set(common_names(csr.subject)) | set(dns_names(csr))
    strangers = sorted(n for n in names if n != member.ike_id)
    if not names or strangers:
        problems.append(f"it names {', '.join(strangers) or 'no identity'}, but "
                        f"{member.name}'s IKE identity is {member.ike_id}")
    return problems


def _unrecorded(view: FabricView, ca_cert: x509.Certificate, ledger: Ledger, member: Member,
                stamp: str) -> list[Issued]:
    """The certificate on disk, as a revoked record, if the ledger does not list it."""
    path = view.paths.cert(member.name)
    if not path.exists():
        return []
    cert = read_cert(path, view.paths.resolved)
    serial = serial_hex(cert.serial_number)
    if any(c.serial == serial for c in ledger.certificates) or not signed_by(cert, ca_cert):
        return []  # known already, or another CA's: this CA's CRL cannot revoke it
    record = _record(member.name, cert, "device", ledger.generation(member.name))
    return [record.model_copy(update={"revoked": stamp})]


@_locked
def revoke(view: FabricView, ca: Authority, member: Member, *, crl_days: int = CRL_DAYS,
           now: datetime | None = None) -> Outcome:
    """Revoke the device's current certificate and rewrite the CRL."""
    moment = utcnow(now)
    ledger = ca.ledger
    # every certificate of the device still in force: a renewal kept the same key, so an
    # older one would otherwise stay valid; and the one on disk even if the ledger lost it
    stamp, records, serials = iso(moment), [], []
    for record in ledger.certificates:
        if record.device == member.name and not record.revoked:
            record = record.model_copy(update={"revoked": stamp})
            serials.append(record.serial)
        records.append(record)
    extra = _unrecorded(view, ca.cert, ledger, member, stamp)
    records += extra
    serials += [record.serial for record in extra]
    if not serials:
        raise UserError(f"{member.name} has no certificate in force to revoke")
    number = ledger.crl_number + 1
    revoked = _write_crl(view, ca, records, number, (moment, crl_days))
    view.paths.write_ledger(ledger.model_copy(
        update={"certificates": records, "crl_number": number}))
    return Outcome([f"{member.name}: revoked {', '.join(serials)}; {view.paths.crl.as_posix()} "
                    f"now lists {revoked} certificate(s) (CRL number {number}): deploy "
                    "pushes it"])


def request(view: FabricView, secret: Secret, members: list[Member], out: Path) -> Outcome:
    """A CSR for each derived-key device of `members` (its key from the master secret,
    bound to the fabric's CA, as render derives it), written to `out/DEVICE.csr`: what
    an enterprise CA signs. Devices that make their own key are skipped (their CSR comes
    from the device)."""
    require_ca(view, "`netorch pki init` (with --ca-cert for an enterprise CA)")
    ca_cert = read_cert(view.paths.ca_cert, view.paths.resolved)
    ledger = view.paths.read_ledger()
    outcome = Outcome()
    if ledger is not None and ledger.ca.source == "netorch":
        outcome.skipped.append("the fabric's CA is netorch's own: `netorch pki issue` "
                               "certifies these keys; `pki request` is for an enterprise CA")
    for member in members:
        if member.keys != "derived":
            outcome.skipped.append(f"{member.name}: its key is made on the device "
                                   f"({member.platform}): take its CSR from the device")
            continue
        generation = ledger.generation(member.name) if ledger else 0
        key = derived_key(secret, view.name, member.name, generation, view.spec,
                          ca=ca_id(ca_cert))
        write_file(out / f"{member.name}.csr", csr_pem(member.ike_id, key, view.spec))
        outcome.done.append(f"{member.name}: {(out / f'{member.name}.csr').as_posix()} "
                            f"(CN and SAN {member.ike_id}, {view.spec.name})")
    return outcome
