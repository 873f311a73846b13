"""The fabric's public PKI folder, committed with the inventory.

`DIR/pki/` for the directory form, `NAME.pki/` beside a single-file inventory:

- `ca.crt`: the fabric CA's certificate (PEM);
- `certs/DEVICE.crt`: each device's certificate (PEM);
- `crl.pem`: the CA's certificate revocation list (PEM), rewritten by every revoke;
- `index.json`: the ledger of every certificate netorch issued or signed (serial,
  validity, where its key lives, revocation), as OpenSSL's `index.txt` is for `ca`.

Nothing in it is secret: the CA key lives where `--ca-key` says, device keys are
derived from the master secret or stay on the device.
"""

from __future__ import annotations

import fcntl
import functools
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from cryptography import x509
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from netorch.errors import UserError
from netorch.fsio import os_error, read_regular, write_under

CA_CERT = "ca.crt"
CRL_FILE = "crl.pem"
INDEX_FILE = "index.json"
CERTS = "certs"
LEDGER_SCHEMA = "netorch-pki/1"
MAX_PEM_BYTES = 64 * 1024
MAX_INDEX_BYTES = 64 * 1024 * 1024
LOCK_WAIT = 30.0  # seconds a `pki` command waits for another on the same folder

KeySource = Literal["derived", "device"]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


SERIAL = r"^[0-9A-F]{2,40}$"
MOMENT = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"  # what `ops.iso` writes: UTC, seconds


class Issued(_Record):
    """One certificate netorch issued (or signed from a CSR)."""

    device: str = Field(min_length=1)
    serial: str = Field(pattern=SERIAL, description="upper-case hex")
    not_before: str = Field(pattern=MOMENT)
    not_after: str = Field(pattern=MOMENT)
    key: KeySource
    generation: int = Field(ge=0, description="derived keys: which key (a revoke moves on)")
    revoked: str | None = Field(None, pattern=MOMENT)
    key_id: str | None = Field(None, pattern=r"^[0-9A-F]{40}$",
                               description="the certified key's identifier (SHA-1 of it)")


class CaRecord(_Record):
    serial: str = Field(pattern=SERIAL)
    not_after: str = Field(pattern=MOMENT)
    source: Literal["netorch", "imported"]


class Ledger(_Record):
    schema_: str = Field(LEDGER_SCHEMA, alias="schema")
    fabric: str
    ca: CaRecord
    crl_number: int = 0
    certificates: list[Issued] = []

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _serials_unique(self) -> Ledger:
        seen: set[str] = set()
        for record in self.certificates:
            if record.serial in seen:
                raise ValueError(f"serial {record.serial} is listed twice")
            seen.add(record.serial)
        return self

    def current(self, device: str) -> Issued | None:
        """The device's newest certificate record."""
        return self._index().get(device, (None, 0))[0]

    def generation(self, device: str) -> int:
        """The key generation a new derived key of `device` uses: one past the newest
        revoked one (a revoked key is never certified again)."""
        return self._index().get(device, (None, 0))[1]

    def _index(self) -> dict[str, tuple[Issued, int]]:
        """device -> (newest record, next key generation), built once per list of records
        (a `model_copy` with other records builds its own)."""
        held = self.__dict__.get("_by_device")
        if held is not None and held[0] is self.certificates:
            return held[1]  # type: ignore[no-any-return]
        index: dict[str, tuple[Issued, int]] = {}
        for c in self.certificates:
            _, generation = index.get(c.device, (c, 0))
            if c.revoked:
                generation = max(generation, c.generation + 1)
            index[c.device] = (c, generation)
        object.__setattr__(self, "_by_device", (self.certificates, index))
        return index

    def dumps(self) -> str:
        data = self.model_dump(by_alias=True, mode="json")
        return json.dumps(data, indent=1, sort_keys=True) + "\n"


@dataclass(frozen=True)
class PkiPaths:
    """Where one fabric's public PKI files are."""

    root: Path

    @property
    def ca_cert(self) -> Path:
        return self.root / CA_CERT

    @property
    def crl(self) -> Path:
        return self.root / CRL_FILE

    @property
    def index(self) -> Path:
        return self.root / INDEX_FILE

    def cert(self, device: str) -> Path:
        return self.root / CERTS / f"{device}.crt"

    @functools.cached_property
    def resolved(self) -> Path:
        """The folder, symbolic links resolved, once: every file read is held inside it
        (`read_cert(path, paths.resolved)`)."""
        return Path(os.path.realpath(self.root))

    def exists(self) -> bool:
        return self.ca_cert.exists() or self.ca_cert.is_symlink()

    @contextmanager
    def locked(self, wait: float = LOCK_WAIT, *, parent: bool = False) -> Iterator[None]:
        """Hold the folder's lock (`flock` on the folder itself: no lock file in the
        commit) while a command reads the ledger, signs and writes: two `pki` commands at
        once would otherwise each write back a ledger missing the other's records. With
        `parent`, the folder the PKI folder is made in (`init`)."""
        folder = self.root.parent if parent else self.root
        try:
            fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        except OSError as exc:
            raise os_error(folder, exc, "cannot open the PKI folder") from None
        try:
            _acquire(fd, folder, wait)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def write(self, relative: str, data: bytes | str) -> None:
        """Atomically write a public file inside the folder (never through a symlink)."""
        write_under(self.root, PurePosixPath(relative), data, mode=0o644)

    def read_ledger(self) -> Ledger | None:
        if not (self.index.exists() or self.index.is_symlink()):
            return None
        raw = read_regular(self.index, limit=MAX_INDEX_BYTES, what="PKI index",
                           **_within(self.resolved))
        try:
            return Ledger.model_validate_json(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise UserError(f"{self.index.as_posix()}: not a netorch PKI index ({where}: "
                            f"{first['msg']})") from None

    def write_ledger(self, ledger: Ledger) -> None:
        self.write(INDEX_FILE, ledger.dumps())


def read_cert(path: Path, inside: Path | None = None) -> x509.Certificate:
    """A PEM certificate file, or a `UserError` naming it; with `inside` (the PKI folder,
    resolved: `PkiPaths.resolved`) a file that leads outside it through a symbolic link
    is refused unopened."""
    raw = read_regular(path, limit=MAX_PEM_BYTES, what="certificate", **_within(inside))
    try:
        return x509.load_pem_x509_certificate(raw)
    except ValueError:
        raise UserError(f"{path.as_posix()}: not a PEM certificate") from None


def read_crl(path: Path, inside: Path | None = None) -> x509.CertificateRevocationList | None:
    """The PEM CRL at `path`, None when there is none (`inside` as for `read_cert`)."""
    if not (path.exists() or path.is_symlink()):
        return None
    raw = read_regular(path, limit=MAX_INDEX_BYTES, what="CRL", **_within(inside))
    try:
        return x509.load_pem_x509_crl(raw)
    except ValueError:
        raise UserError(f"{path.as_posix()}: not a PEM certificate revocation list") from None


def _acquire(fd: int, root: Path, wait: float) -> None:
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise UserError(f"{root.as_posix()}: another `netorch pki` command is "
                                f"working on this PKI folder (waited {wait:.0f} s)") from None
            time.sleep(0.05)


def _within(resolved: Path | None) -> dict[str, Any]:
    if resolved is None:
        return {}
    return {"inside": resolved, "folder_is": "the PKI folder"}


def common_names(name: x509.Name) -> list[str]:
    """The subject (or issuer) CNs of a certificate or CSR, as text."""
    return [str(a.value) for a in name.get_attributes_for_oid(x509.NameOID.COMMON_NAME)]


def dns_names(holder: x509.Certificate | x509.CertificateSigningRequest) -> list[str]:
    """The SAN dNSNames of a certificate or CSR ([] without the extension)."""
    try:
        san = holder.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    return [str(n) for n in san.get_values_for_type(x509.DNSName)]


def serial_hex(number: int) -> str:
    """A serial as the ledger, reports and IOS show it: upper-case hex, even length.

    >>> serial_hex(0x1ABC)
    '1ABC'
    """
    text = f"{number:X}"
    return text if len(text) % 2 == 0 else "0" + text
