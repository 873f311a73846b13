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

import json
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

from cryptography import x509
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from netorch.errors import UserError
from netorch.fsio import read_regular, write_under

PKI_FOLDER = "pki"
CA_CERT = "ca.crt"
CRL_FILE = "crl.pem"
INDEX_FILE = "index.json"
CERTS = "certs"
LEDGER_SCHEMA = "netorch-pki/1"
MAX_PEM_BYTES = 64 * 1024
MAX_INDEX_BYTES = 64 * 1024 * 1024

KeySource = Literal["derived", "device"]


def pki_dir(inventory_path: str | Path) -> Path:
    """`DIR/pki` for the directory form, `NAME.pki` beside a single-file inventory.

    >>> pki_dir("fabric.yaml").as_posix()
    'fabric.pki'
    """
    path = Path(inventory_path)
    if path.is_dir():
        return path / PKI_FOLDER
    return path.with_name(f"{path.stem}.{PKI_FOLDER}")


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Issued(_Record):
    """One certificate netorch issued (or signed from a CSR)."""

    device: str
    serial: str = Field(description="upper-case hex")
    not_before: str
    not_after: str
    key: KeySource
    generation: int = Field(ge=0, description="derived keys: which key (a revoke moves on)")
    revoked: str | None = None


class CaRecord(_Record):
    serial: str
    not_after: str
    source: Literal["netorch", "imported"]


class Ledger(_Record):
    schema_: str = Field(LEDGER_SCHEMA, alias="schema")
    fabric: str
    ca: CaRecord
    crl_number: int = 0
    certificates: list[Issued] = []

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def current(self, device: str) -> Issued | None:
        """The device's newest certificate record."""
        found = [c for c in self.certificates if c.device == device]
        return found[-1] if found else None

    def generation(self, device: str) -> int:
        """The key generation a new derived key of `device` uses: one past every revoked."""
        return sum(1 for c in self.certificates if c.device == device and c.revoked)

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

    def exists(self) -> bool:
        return self.ca_cert.exists() or self.ca_cert.is_symlink()

    def write(self, relative: str, data: bytes | str) -> None:
        """Atomically write a public file inside the folder (never through a symlink)."""
        write_under(self.root, PurePosixPath(relative), data, mode=0o644)

    def read_ledger(self) -> Ledger | None:
        if not (self.index.exists() or self.index.is_symlink()):
            return None
        raw = read_regular(self.index, limit=MAX_INDEX_BYTES, what="PKI index")
        try:
            return Ledger.model_validate_json(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise UserError(f"{self.index.as_posix()}: not a netorch PKI index ({where}: "
                            f"{first['msg']})") from None

    def write_ledger(self, ledger: Ledger) -> None:
        self.write(INDEX_FILE, ledger.dumps())


def read_cert(path: Path) -> x509.Certificate:
    """A PEM certificate file, or a `UserError` naming it."""
    raw = read_regular(path, limit=MAX_PEM_BYTES, what="certificate")
    try:
        return x509.load_pem_x509_certificate(raw)
    except ValueError:
        raise UserError(f"{path.as_posix()}: not a PEM certificate") from None


def read_crl(path: Path) -> x509.CertificateRevocationList | None:
    """The PEM CRL at `path`, None when there is none."""
    if not (path.exists() or path.is_symlink()):
        return None
    raw = read_regular(path, limit=MAX_INDEX_BYTES, what="CRL")
    try:
        return x509.load_pem_x509_crl(raw)
    except ValueError:
        raise UserError(f"{path.as_posix()}: not a PEM certificate revocation list") from None


def serial_hex(number: int) -> str:
    """A serial as the ledger, reports and IOS show it: upper-case hex, even length.

    >>> serial_hex(0x1ABC)
    '1ABC'
    """
    text = f"{number:X}"
    return text if len(text) % 2 == 0 else "0" + text
