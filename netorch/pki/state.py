"""The fabric's PKI as read from its folder: `load_pki` and `status`."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from pydantic import BaseModel, ConfigDict

from netorch.pki.fabric import FabricView, Member
from netorch.pki.ops import RENEW_WITHIN, check_ledger, iso, signed_by, utcnow
from netorch.pki.profile import describe_key
from netorch.pki.store import Ledger, common_names, dns_names, read_cert, read_crl, serial_hex

State = Literal["ok", "renew-due", "expired", "missing", "revoked"]
BAD_STATES = frozenset({"expired", "missing", "revoked"})
DAY = timedelta(days=1)
ZERO = timedelta(0)


@dataclass(frozen=True)
class FabricPki:
    """A fabric's public PKI files, parsed: what render, validate and report read."""

    view: FabricView
    ca: x509.Certificate
    certs: dict[str, x509.Certificate]
    crl: x509.CertificateRevocationList | None
    ledger: Ledger | None

    @functools.cached_property
    def crl_trusted(self) -> bool:
        """Whether the CRL is the CA's (its signature checks): a CRL anyone else signed
        revokes nothing, as on a device."""
        public = self.ca.public_key()
        return self.crl is not None and isinstance(
            public, ec.EllipticCurvePublicKey | rsa.RSAPublicKey | dsa.DSAPublicKey
            | ed25519.Ed25519PublicKey | ed448.Ed448PublicKey) \
            and self.crl.is_signature_valid(public)

    def revoked(self, cert: x509.Certificate) -> bool:
        return self.crl is not None and self.crl_trusted and \
            self.crl.get_revoked_certificate_by_serial_number(cert.serial_number) is not None

    def key_source(self, member: Member) -> str:
        """"derived" when the ledger says netorch derives this device's key."""
        record = self.ledger.current(member.name) if self.ledger else None
        return record.key if record else member.keys

    def derives_keys(self) -> bool:
        """Whether netorch derives any device's key (deploy then needs the secret)."""
        return any(self.key_source(m) == "derived" for m in self.view.members)

    def generation(self, device: str) -> int:
        record = self.ledger.current(device) if self.ledger else None
        return record.generation if record else 0


def load_pki(view: FabricView) -> FabricPki | None:
    """The fabric's PKI, or None: a PSK fabric, or no PKI folder (out-of-band certs)."""
    if not view.certificates or not view.paths.exists():
        return None
    root = view.paths.resolved
    certs = {m.name: read_cert(view.paths.cert(m.name), root) for m in view.members
             if view.paths.cert(m.name).exists()}
    ca, ledger = read_cert(view.paths.ca_cert, root), view.paths.read_ledger()
    if ledger is not None:
        check_ledger(view, ledger, ca)
    return FabricPki(view, ca, certs, read_crl(view.paths.crl, root), ledger)


class CertStatus(BaseModel):
    """One certificate's standing (`pki status`, the report, validate)."""

    model_config = ConfigDict(frozen=True)

    state: State
    serial: str | None = None
    subject: str | None = None
    not_after: str | None = None
    days_left: int | None = None
    key: str | None = None
    problems: list[str] = []


class PkiStatus(BaseModel):
    """`pki status --format json`: the CA and every device, by name."""

    model_config = ConfigDict(frozen=True)

    fabric: str
    profile_key: str
    ca: CertStatus
    devices: dict[str, CertStatus]

    def failed(self) -> bool:
        """A certificate in use is expired, missing or revoked, or does not fit."""
        every = [self.ca, *self.devices.values()]
        return any(c.state in BAD_STATES or c.problems for c in every)


def days_left(not_after: datetime, now: datetime) -> int:
    """Whole days until `not_after`, rounded up while valid (a fresh 365-day certificate
    shows 365), down once past (-1 the day after): every command counts the same way."""
    left = not_after - now
    return math.ceil(left / DAY) if left > ZERO else math.floor(left / DAY)


def renew_due(not_after: datetime, now: datetime, within: int = RENEW_WITHIN) -> bool:
    """Whether a still-valid certificate (or CRL) ends within `within` days."""
    return ZERO < not_after - now <= timedelta(days=within)


def _standing(cert: x509.Certificate, now: datetime, renew_within: int,
              revoked: bool) -> CertStatus:
    ends = cert.not_valid_after_utc
    days = days_left(ends, now)
    state: State = "revoked" if revoked else "expired" if ends <= now \
        else "renew-due" if renew_due(ends, now, renew_within) else "ok"
    return CertStatus(state=state, serial=serial_hex(cert.serial_number),
                      subject=cert.subject.rfc4514_string(),
                      not_after=iso(cert.not_valid_after_utc), days_left=days,
                      key=describe_key(cert.public_key()))


def device_problems(pki: FabricPki, member: Member, cert: x509.Certificate) -> list[str]:
    """Why the device's certificate does not fit: identity, issuer, key type."""
    problems = []
    names = common_names(cert.subject)
    if names != [member.ike_id]:
        problems.append(f"its subject CN is {', '.join(names) or 'missing'}, not "
                        f"the IKE identity {member.ike_id}")
    if member.ike_id not in dns_names(cert):
        problems.append(f"its SAN does not hold the IKE identity {member.ike_id} as a DNS "
                        "name")
    if not signed_by(cert, pki.ca):
        problems.append("it is not signed by the fabric CA (pki/ca.crt)")
    found = describe_key(cert.public_key())
    if found != pki.view.spec.name:
        problems.append(f"its key is {found}, the crypto profile needs {pki.view.spec.name}")
    if cert.not_valid_after_utc > pki.ca.not_valid_after_utc:
        problems.append(f"it outlives the CA, which expires {iso(pki.ca.not_valid_after_utc)}")
    return problems


def status(pki: FabricPki, *, now: datetime | None = None,
           renew_within: int = RENEW_WITHIN) -> PkiStatus:
    """The CA's and every device's certificate standing at `now`."""
    moment = utcnow(now)
    ca = _standing(pki.ca, moment, renew_within, revoked=False)
    found = describe_key(pki.ca.public_key())
    problems = [] if found == pki.view.spec.name else [
        f"its key is {found}, the crypto profile needs {pki.view.spec.name}"]
    if pki.crl is not None and not pki.crl_trusted:
        problems.append(f"{pki.view.paths.crl.as_posix()} is not signed by the fabric CA: it "
                        "revokes nothing")
    ca = ca.model_copy(update={"problems": problems})
    devices = {}
    for member in pki.view.members:
        cert = pki.certs.get(member.name)
        if cert is None:
            devices[member.name] = CertStatus(state="missing")
            continue
        standing = _standing(cert, moment, renew_within, pki.revoked(cert))
        devices[member.name] = standing.model_copy(
            update={"problems": device_problems(pki, member, cert)})
    return PkiStatus(fabric=pki.view.name, profile_key=pki.view.spec.name, ca=ca,
                     devices=devices)
