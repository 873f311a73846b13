"""Certificate fabrics: the PKI folder's certificates held against the devices and the clock.

Only a certificate fabric with a PKI folder (`netorch.pki.pki_dir`) is checked; without
one its certificates are managed out of band, which `validate` notes (`out_of_band`).
The CA's findings sit at the fabric's `crypto.auth`, a device's at the device's name.

- an expired, missing or revoked certificate, one that does not fit its device (CN/SAN,
  issuer, key type) and a CA that expires before a device certificate are errors: the
  device's tunnels would not authenticate, so render and deploy stop;
- a device whose key is made on the device and whose CSR is not signed yet is a warning:
  its configuration (trustpoint, CA certificate) must still render for it to enrol;
- a certificate within `RENEW_WITHIN` days of expiry is a warning (`--strict` fails);
  days are counted as `pki status` counts them (`netorch.pki.days_left`, `renew_due`);
- an index.json of another fabric or CA, and (for a netorch CA) a device certificate
  signed by the CA that index.json does not record, are errors: netorch revokes and
  renews by its records;
- a certificate index.json lists in force (not revoked, not expired) for a device no
  longer in the inventory is a warning: anyone holding its key still authenticates;
- a CRL the CA did not sign is an error, and revokes nothing here (devices ignore it);
- with an enterprise (imported) CA, the fixes name the enterprise CA, never `pki issue`.

Any certificate fabric, with a PKI folder or not: a device's IKE identity longer than a
certificate's subject CN may be (64 characters), or with a DNS label longer than 63, is
an error: no certificate can name the device (`identities`).

Every file is read as a regular file inside the inventory (a link out of it is refused
unopened); an unreadable or unparsable file is a finding, never a traceback. `now` is
the caller's (validate's `today`, the report's generation time); the clock otherwise.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING

from netorch.checks.context import Context, PathKey
from netorch.errors import UserError
from netorch.findings import Finding, Location, error, note, warning
from netorch.fsio import read_regular
from netorch.inventory.model import Inventory

if TYPE_CHECKING:
    from cryptography import x509

    from netorch.pki import FabricPki, FabricView, Member
    from netorch.pki.store import Ledger

_AUTH = ("fabric", "crypto", "auth")


def _parse_errors() -> tuple[type[Exception], ...]:
    """What cryptography raises for a malformed certificate, met lazily (its parts are
    parsed on first use): a bad encoding, an unknown key type."""
    from cryptography.exceptions import UnsupportedAlgorithm  # noqa: PLC0415 - lazy

    return ValueError, TypeError, UnsupportedAlgorithm


def moment(today: date | datetime | None) -> datetime | None:
    """A datetime for the checks: a date is its midnight, UTC.

    >>> moment(date(2030, 1, 2)).isoformat()
    '2030-01-02T00:00:00+00:00'
    """
    if today is None or isinstance(today, datetime):
        return today
    return datetime.combine(today, time(), UTC)


def certificate_fabric(inventory: Inventory) -> bool:
    """A certificate fabric loaded from files (an inventory built in Python has no folder)."""
    return inventory.fabric.crypto.auth == "certificate" and bool(inventory.path)


def out_of_band(inventory: Inventory, at: Location) -> list[Finding]:
    """validate's note for a certificate fabric without a PKI folder."""
    if not certificate_fabric(inventory):
        return []
    from netorch.pki import pki_dir  # noqa: PLC0415 - lazy: cryptography, cert fabrics only

    root = pki_dir(inventory.path)
    if (root / "ca.crt").exists() or (root / "ca.crt").is_symlink():
        return []
    return [note("pki-out-of-band", f"certificate authentication without a PKI folder "
                 f"({root.as_posix()}): certificates are managed out of band and were not "
                 "checked; `netorch pki init` creates the fabric CA", at)]


def certificates(ctx: Context) -> Iterator[Finding]:
    """Every certificate of a certificate fabric with a PKI folder."""
    if not certificate_fabric(ctx.inventory):
        return
    from netorch.pki import fabric_view  # noqa: PLC0415 - lazy: cryptography
    from netorch.pki.ops import utcnow  # noqa: PLC0415 - lazy: cryptography

    view = fabric_view(ctx.inventory)
    if not view.paths.exists():
        return
    reader = _Reader(view, ctx)
    loaded = reader.load()
    yield from reader.findings
    if loaded is None:
        return
    now = utcnow(ctx.now)
    yield from _ca(ctx, loaded, now)
    mismatch = list(_index_mismatch(ctx, loaded))
    yield from mismatch
    if not mismatch:
        yield from _orphaned(ctx, loaded, now)
    recorded = None if mismatch else _recorded(loaded)
    if not _crl_trusted(loaded):
        loaded = replace(loaded, crl=None)  # a CRL the CA did not sign revokes nothing
    members = {m.name: m for m in view.members}
    for path, _site, device in ctx.devices():
        member = members.get(device.name)
        if member is not None and member.name not in reader.unreadable:
            yield from _device(ctx, loaded, member, path, now)
            yield from _unrecorded(ctx.at(*path, "name"), loaded, member, recorded)


@dataclass(frozen=True)
class Folder:
    """A certificate fabric's PKI folder as read for the report: None when it has none
    or its CA cannot be read; the devices whose certificate file cannot be."""

    pki: FabricPki | None
    unreadable: frozenset[str]


def read_folder(inventory: Inventory) -> Folder:
    """The PKI folder, read as the checks read it (what they find is theirs to say)."""
    if not certificate_fabric(inventory):
        return Folder(None, frozenset())
    from netorch.pki import fabric_view  # noqa: PLC0415 - lazy: cryptography

    view = fabric_view(inventory)
    if not view.paths.exists():
        return Folder(None, frozenset())
    reader = _Reader(view, Context(inventory))
    return Folder(reader.load(), frozenset(reader.unreadable))


class _Reader:
    """Reads the PKI folder file by file, each problem a finding at its place."""

    def __init__(self, view: FabricView, ctx: Context) -> None:
        self.view, self.ctx = view, ctx
        self.findings: list[Finding] = []
        self.unreadable: set[str] = set()
        inventory = self.view.inventory_path
        folder = inventory if inventory.is_dir() else self.view.paths.root.parent
        self.inside = Path(os.path.realpath(folder))
        self.folder_is = "the inventory folder" if inventory.is_dir() else \
            "the inventory file's folder"

    def _read(self, path: Path, what: str, at: Location, limit: int) -> bytes | None:
        try:
            return read_regular(path, limit=limit, what=what, inside=self.inside,
                                folder_is=self.folder_is)
        except UserError as exc:
            reason = getattr(exc, "reason", None) or str(exc)
            self.findings.append(error("pki-unreadable", f"{path.as_posix()}: {reason}", at))
            return None

    def _cert(self, path: Path, at: Location) -> x509.Certificate | None:
        from cryptography import x509  # noqa: PLC0415 - lazy: certificate fabrics only

        from netorch.pki.store import MAX_PEM_BYTES  # noqa: PLC0415 - lazy: cryptography

        raw = self._read(path, "certificate", at, MAX_PEM_BYTES)
        if raw is None:
            return None
        try:
            return x509.load_pem_x509_certificate(raw)
        except _parse_errors():
            self.findings.append(error("pki-unreadable", f"{path.as_posix()}: not a PEM "
                                       "certificate", at))
            return None

    def load(self) -> FabricPki | None:
        """The folder as `netorch.pki.load_pki` reads it, or None when the CA is unreadable."""
        from netorch.pki import FabricPki  # noqa: PLC0415 - lazy: cryptography

        auth = self.ctx.at(*_AUTH)
        paths = self.view.paths
        ca = self._cert(paths.ca_cert, auth)
        crl = self._crl(paths.crl, auth)
        ledger = self._ledger(paths.index, auth)
        if ca is None:
            return None
        certs = {}
        for path, _site, device in self.ctx.devices():
            file = paths.cert(device.name)
            if file.exists() or file.is_symlink():
                cert = self._cert(file, self.ctx.at(*path, "name"))
                if cert is None:
                    self.unreadable.add(device.name)
                else:
                    certs[device.name] = cert
        return FabricPki(self.view, ca, certs, crl, ledger)

    def _crl(self, path: Path, at: Location) -> x509.CertificateRevocationList | None:
        from cryptography import x509  # noqa: PLC0415 - lazy: certificate fabrics only

        from netorch.pki.store import MAX_INDEX_BYTES  # noqa: PLC0415 - lazy: cryptography

        if not (path.exists() or path.is_symlink()):
            return None
        raw = self._read(path, "CRL", at, MAX_INDEX_BYTES)
        try:
            return None if raw is None else x509.load_pem_x509_crl(raw)
        except _parse_errors():
            self.findings.append(error("pki-unreadable", f"{path.as_posix()}: not a PEM "
                                       "certificate revocation list", at))
            return None

    def _ledger(self, path: Path, at: Location) -> Ledger | None:
        from pydantic import ValidationError  # noqa: PLC0415 - lazy: with the ledger

        from netorch.pki.store import MAX_INDEX_BYTES, Ledger  # noqa: PLC0415 - lazy

        if not (path.exists() or path.is_symlink()):
            return None
        raw = self._read(path, "PKI index", at, MAX_INDEX_BYTES)
        try:
            return None if raw is None else Ledger.model_validate_json(raw)
        except ValidationError:
            self.findings.append(error("pki-unreadable", f"{path.as_posix()}: not a netorch "
                                       "PKI index (index.json)", at))
            return None


def _iso(moment_: datetime) -> str:
    return moment_.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _days(count: int) -> str:
    return "1 day" if count == 1 else f"{count} days"


def _ca(ctx: Context, fpki: FabricPki, now: datetime) -> Iterator[Finding]:
    from netorch.pki import days_left, renew_due  # noqa: PLC0415 - lazy: cryptography
    from netorch.pki.profile import describe_key  # noqa: PLC0415 - lazy: cryptography

    at, file = ctx.at(*_AUTH), fpki.view.paths.ca_cert.as_posix()
    try:
        ends, key = fpki.ca.not_valid_after_utc, describe_key(fpki.ca.public_key())
        crl_ok = _crl_signed(fpki)
    except _parse_errors():
        yield error("pki-unreadable", f"{file}: the CA certificate cannot be parsed", at)
        return
    if ends <= now:
        yield error("certificate-expired", f"the fabric CA ({file}) expired on {_iso(ends)}: "
                    "no certificate it signed authenticates any more", at)
    elif renew_due(ends, now):
        yield warning("certificate-renew-due", f"the fabric CA ({file}) expires on "
                      f"{_iso(ends)}, in {_days(days_left(ends, now))}: every device "
                      "certificate fails with it (docs/pki.md: replacing the CA)", at)
    if key != fpki.view.spec.name:
        yield error("certificate-mismatch", f"the fabric CA ({file}) has an {key} key; the "
                    f"crypto profile needs {fpki.view.spec.name}", at)
    if not crl_ok:
        yield error("certificate-mismatch", f"{fpki.view.paths.crl.as_posix()} is not signed "
                    f"by the fabric CA ({file}): devices would reject it", at)
    else:
        yield from _crl_due(fpki, now, at)


def _crl_due(fpki: FabricPki, now: datetime, at: Location) -> Iterator[Finding]:
    """A CRL past or near its nextUpdate: devices then check revocation no more (Junos
    `disable on-download-failure`, strongSwan `relaxed`) or refuse peers (strict)."""
    from netorch.pki import days_left, renew_due  # noqa: PLC0415 - lazy: cryptography

    ends = fpki.crl.next_update_utc if fpki.crl is not None else None
    if ends is None:
        return
    if ends <= now or renew_due(ends, now):
        when = f"expired on {_iso(ends)}" if ends <= now else \
            f"expires on {_iso(ends)}, in {_days(days_left(ends, now))}"
        yield warning("crl-renew-due", f"the fabric's CRL ({fpki.view.paths.crl.as_posix()}) "
                      f"{when}: devices stop checking revocation with a stale CRL", at)


def _crl_trusted(fpki: FabricPki) -> bool:
    """`_crl_signed`, False when the CA cannot be parsed (its own finding says so)."""
    try:
        return _crl_signed(fpki)
    except _parse_errors():
        return False


def _crl_signed(fpki: FabricPki) -> bool:
    """No CRL, or one the CA signed (a CRL signed by another key, devices ignore)."""
    return fpki.crl is None or fpki.crl_trusted


def _device(ctx: Context, fpki: FabricPki, member: Member, path: PathKey,
            now: datetime) -> Iterator[Finding]:
    at = ctx.at(*path, "name")
    file = fpki.view.paths.cert(member.name).as_posix()
    cert = fpki.certs.get(member.name)
    if cert is None:
        yield _missing_imported(member, file, at) if _imported(fpki) else \
            _missing(member, file, at)
        return
    try:
        yield from _standing(fpki, member, cert, file, now, at)
    except _parse_errors():
        yield error("pki-unreadable", f"{file}: the certificate of {member.name} cannot be "
                    "parsed", at)


def _imported(fpki: FabricPki) -> bool:
    """An enterprise CA (`pki init --ca-cert`): netorch issues and signs nothing."""
    return fpki.ledger is not None and fpki.ledger.ca.source == "imported"


def _missing_imported(member: Member, file: str, at: Location) -> Finding:
    """With an enterprise CA, `pki issue` and `pki sign` are refused: it issues."""
    if member.keys == "device":
        return warning("certificate-unsigned", f"{member.name} has no certificate yet "
                       f"({file}): its key is made on the device ({member.platform}); have "
                       "the fabric's enterprise CA sign the request the device gives, and "
                       "place the certificate there; until then its tunnels cannot "
                       "authenticate", at)
    return error("certificate-missing", f"{member.name} has no certificate ({file}): have "
                 "the fabric's enterprise CA issue it and place it there (`netorch pki "
                 "request INVENTORY --out DIR` writes the CSR of the key netorch derives "
                 "for it; a device that makes its own key gives its CSR)", at)


def _missing(member: Member, file: str, at: Location) -> Finding:
    if member.keys == "device":
        return warning("certificate-unsigned", f"{member.name} has no certificate yet "
                       f"({file}): its key is made on the device ({member.platform}); sign "
                       f"its request with `netorch pki sign INVENTORY {member.name} CSR` "
                       "(docs/pki.md); until then its tunnels cannot authenticate", at)
    return error("certificate-missing", f"{member.name} has no certificate ({file}): "
                 "`netorch pki issue` issues it (with an enterprise CA, place the "
                 "certificate it issued there)", at)


def _standing(fpki: FabricPki, member: Member, cert: x509.Certificate, file: str,
              now: datetime, at: Location) -> Iterator[Finding]:
    from netorch.pki import days_left, device_problems, renew_due  # noqa: PLC0415 - lazy

    ends, ca_ends = cert.not_valid_after_utc, fpki.ca.not_valid_after_utc
    what = f"the certificate of {member.name} ({file})"
    renew = "have the fabric's enterprise CA issue a new one" if _imported(fpki) else \
        "`netorch pki issue` renews it"
    if fpki.revoked(cert):
        yield error("certificate-revoked", f"{what} is revoked ({fpki.view.paths.crl.as_posix()}"
                    "): " + ("have the fabric's enterprise CA issue a new one" if _imported(fpki)
                             else "`netorch pki issue` issues a new one (`pki sign` for a "
                             "key made on the device)"), at)
    elif ends <= now:
        yield error("certificate-expired", f"{what} expired on {_iso(ends)}: {renew}", at)
    elif renew_due(ends, now):
        yield warning("certificate-renew-due", f"{what} expires on {_iso(ends)}, in "
                      f"{_days(days_left(ends, now))}: {renew}", at)
    if ends > ca_ends:
        yield error("ca-expires-first", f"the fabric CA expires on {_iso(ca_ends)}, before "
                    f"{what} (valid until {_iso(ends)}): issue it for fewer days, or replace "
                    "the CA first (docs/pki.md)", at)
    # the CA's end is its own finding above: the rest of what does not fit, in one
    problems = [p for p in device_problems(fpki, member, cert)
                if not p.startswith("it outlives the CA")]
    if problems:
        yield error("certificate-mismatch", f"{what} does not fit: {'; '.join(problems)}", at)


def _index_mismatch(ctx: Context, fpki: FabricPki) -> Iterator[Finding]:
    """index.json of another fabric or another CA: revoke and renew would go by records
    that are not this CA's."""
    from netorch.inventory.types import shown  # noqa: PLC0415 - lazy: with the checks
    from netorch.pki.store import serial_hex  # noqa: PLC0415 - lazy: cryptography

    ledger = fpki.ledger
    if ledger is None:
        return
    at, index = ctx.at(*_AUTH), fpki.view.paths.index.as_posix()
    ca_file = fpki.view.paths.ca_cert.as_posix()
    if ledger.fabric != fpki.view.name:
        yield error("pki-index-mismatch", f"{index} is the index of fabric "
                    f"{shown(ledger.fabric)}, not of {fpki.view.name}: the PKI folder holds "
                    "another fabric's records (restore it from version control)", at)
    try:
        serial = serial_hex(fpki.ca.serial_number)
    except _parse_errors():
        return  # the CA's own finding says it cannot be parsed
    if ledger.ca.serial != serial:
        yield error("pki-index-mismatch", f"{index} records the CA serial "
                    f"{shown(ledger.ca.serial)}, but {ca_file} has serial {serial}: the "
                    "index belongs to another CA (restore the PKI folder from version "
                    "control)", at)


def _orphaned(ctx: Context, fpki: FabricPki, now: datetime) -> Iterator[Finding]:
    """index.json's certificates in force (not revoked, not expired) of devices the
    inventory no longer has: whoever holds such a key still authenticates to the fabric."""
    from netorch.inventory.types import is_name, shown  # noqa: PLC0415 - lazy: checks

    if fpki.ledger is None:
        return
    devices = {m.name for m in fpki.view.members}
    in_force: dict[str, tuple[str, str]] = {}  # device -> (serial, not_after): the newest
    for record in fpki.ledger.certificates:
        if record.device not in devices and record.revoked is None \
                and _moment(record.not_after) > now:
            in_force[record.device] = (record.serial, record.not_after)
    at = ctx.at(*_AUTH)
    for device, (serial, until) in sorted(in_force.items()):
        name = device if is_name(device) else shown(device)
        yield warning("certificate-orphaned", f"the PKI ledger lists {name}, no longer a "
                      f"device of this fabric, with a certificate in force (serial {serial}, "
                      f"until {until}): revoke it (`netorch pki revoke INVENTORY {name}`) so "
                      "no one can use it", at)


def _moment(text: str) -> datetime:
    """A ledger time (`YYYY-MM-DDTHH:MM:SSZ`, checked by its schema) as a UTC datetime."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def _recorded(fpki: FabricPki) -> dict[str, set[str]] | None:
    """A netorch CA's serials by device as index.json records them; None when netorch
    keeps no records of what the CA signs (an imported CA, or no index.json)."""
    ledger = fpki.ledger
    if ledger is None or ledger.ca.source != "netorch":
        return None
    recorded: dict[str, set[str]] = {}
    for record in ledger.certificates:
        recorded.setdefault(record.device, set()).add(record.serial)
    return recorded


def _unrecorded(at: Location, fpki: FabricPki, member: Member,
                recorded: dict[str, set[str]] | None) -> Iterator[Finding]:
    """A certificate the netorch CA signed, in force, that index.json does not list for
    the device: `pki revoke` goes by the index, so it could not be revoked."""
    from netorch.pki import signed_by  # noqa: PLC0415 - lazy: cryptography
    from netorch.pki.store import serial_hex  # noqa: PLC0415 - lazy: cryptography

    cert = fpki.certs.get(member.name)
    if recorded is None or cert is None:
        return
    try:
        serial = serial_hex(cert.serial_number)
        if serial in recorded.get(member.name, ()) or fpki.revoked(cert) \
                or not signed_by(cert, fpki.ca):
            return  # recorded, already revoked, or not this CA's (certificate-mismatch)
    except _parse_errors():
        return  # its own finding says it cannot be parsed
    file = fpki.view.paths.cert(member.name).as_posix()
    yield error("certificate-unrecorded", f"the certificate of {member.name} ({file}, serial "
                f"{serial}) is signed by the fabric CA but not recorded for {member.name} in "
                f"{fpki.view.paths.index.as_posix()}: netorch cannot revoke a certificate it "
                f"has not recorded. `netorch pki revoke INVENTORY {member.name}` revokes it "
                "(it also revokes the certificate on disk); or remove it and run `netorch "
                "pki issue` (`pki sign` for a key made on the device)", at)


# RFC 5280 Appendix A: ub-common-name INTEGER ::= 64; RFC 1035 2.3.4: labels 63 octets
CN_MAX, LABEL_MAX = 64, 63


def identities(ctx: Context) -> Iterator[Finding]:
    """A certificate fabric's device whose IKE identity (its certificate's subject CN
    and SAN dNSName) no certificate can hold, PKI folder or not."""
    from netorch.plan.model import ike_identity  # noqa: PLC0415 - lazy: with the checks

    fabric = ctx.inventory.fabric
    if fabric.crypto.auth != "certificate":
        return
    for path, _site, device in ctx.devices():
        ident = ike_identity(device.name, fabric.name)
        problems = [f"it is {len(ident)} characters, and a certificate's subject CN holds "
                    f"at most {CN_MAX} (RFC 5280, ub-common-name)"] if len(ident) > CN_MAX \
            else []
        problems += [f"its DNS label {label!r} is {len(label)} characters, more than the "
                     f"{LABEL_MAX} a DNS name allows (RFC 1035)"
                     for label in ident.split(".") if len(label) > LABEL_MAX]
        if problems:
            yield error("identity-too-long", f"the IKE identity of {device.name}, {ident}, "
                        f"cannot be named by a certificate: {'; '.join(problems)}; use a "
                        "shorter device or fabric name", ctx.at(*path, "name"))


RULES = (certificates, identities)
