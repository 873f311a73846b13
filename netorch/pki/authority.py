"""The fabric CA: its key (outside the inventory, PKCS#8 encrypted, 0600) and certificate.

The CA key is read only from the path `--ca-key` or `NETORCH_CA_KEY` names, never from
inside the inventory folder, and is decrypted with the passphrase from
`--ca-passphrase-file` or `NETORCH_CA_PASSPHRASE`. Messages name files, never contents.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from netorch.errors import UserError
from netorch.fsio import SECRET_DIR_MODE, read_regular, write_file
from netorch.pki.profile import KeySpec

CA_KEY_ENV = "NETORCH_CA_KEY"
PASSPHRASE_ENV = "NETORCH_CA_PASSPHRASE"
MIN_PASSPHRASE = 12
MAX_KEY_BYTES = 16 * 1024
CLOCK_SKEW = timedelta(minutes=5)  # not_before this far back: peers' clocks differ


@dataclass(frozen=True)
class CaKeyFile:
    """Where the CA key is and how to open it (the passphrase is never printed)."""

    path: Path
    passphrase: bytes

    def __repr__(self) -> str:
        return f"CaKeyFile({self.path.as_posix()!r}, passphrase=<redacted>)"


def ca_key_file(path: Path | None, passphrase_file: Path | None,
                pki_root: Path, inventory_path: Path) -> CaKeyFile:
    """The CA key's location and passphrase from the options or the environment."""
    chosen = path or (Path(os.environ[CA_KEY_ENV]) if os.environ.get(CA_KEY_ENV) else None)
    if chosen is not None:
        chosen = chosen.expanduser()  # `--ca-key=~/…` and an env value: no shell expanded it
    if chosen is None:
        raise UserError(f"the CA key's file is needed: pass --ca-key FILE or set {CA_KEY_ENV} "
                        "(it must be outside the inventory folder)")
    _refuse_inside(chosen, inventory_path, pki_root)
    return CaKeyFile(chosen, _passphrase(passphrase_file))


def _refuse_inside(key: Path, inventory_path: Path, pki_root: Path) -> None:
    folder = inventory_path if inventory_path.is_dir() else pki_root
    real_key = Path(os.path.realpath(key))
    for inside in {Path(os.path.realpath(folder)), Path(os.path.realpath(pki_root))}:
        if real_key == inside or inside in real_key.parents:
            raise UserError(f"{key.as_posix()}: refused: the CA key must live outside the "
                            f"inventory and its PKI folder ({inside.as_posix()}), which are "
                            "committed and shared")


def _passphrase(passphrase_file: Path | None) -> bytes:
    if passphrase_file is not None:
        raw = read_regular(passphrase_file, limit=4096, what="passphrase file", pipes=True)
        value = raw.rstrip(b"\r\n")
    else:
        value = os.environb.get(PASSPHRASE_ENV.encode(), b"")  # bytes: any encoding
    if not value:
        raise UserError(f"the CA key's passphrase is needed: set {PASSPHRASE_ENV} or pass "
                        "--ca-passphrase-file FILE")
    if len(value) < MIN_PASSPHRASE:
        raise UserError(f"the CA key's passphrase is too short ({len(value)} bytes): use at "
                        f"least {MIN_PASSPHRASE}")
    return value


def load_ca_key(where: CaKeyFile, spec: KeySpec) -> ec.EllipticCurvePrivateKey:
    """The decrypted CA key; a wrong passphrase or a key of another type is an error."""
    raw = read_regular(where.path, limit=MAX_KEY_BYTES, what="CA key")
    mode = stat.S_IMODE(where.path.stat().st_mode)
    if mode & 0o077:
        raise UserError(f"{where.path.as_posix()}: the CA key is accessible to group or "
                        f"others (mode {mode:04o}): `chmod 600 {where.path.as_posix()}`")
    try:
        key = serialization.load_pem_private_key(raw, password=where.passphrase)
    except (ValueError, TypeError):
        raise UserError(f"{where.path.as_posix()}: cannot open the CA key: wrong passphrase, "
                        "or not an encrypted PKCS#8 PEM key") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.key_size != spec.curve_bits:
        raise UserError(f"{where.path.as_posix()}: the CA key is not an {spec.name} key, "
                        "which the fabric's crypto profile requires")
    return key


def save_ca_key(where: CaKeyFile, key: ec.EllipticCurvePrivateKey) -> None:
    """Write the CA key as PKCS#8 encrypted with the passphrase, 0600; never over one."""
    if where.path.exists() or where.path.is_symlink():
        raise UserError(f"{where.path.as_posix()}: refused: a file is already there (netorch "
                        "never overwrites a CA key)")
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.BestAvailableEncryption(where.passphrase))
    write_file(where.path, pem, mode=0o600, dir_mode=SECRET_DIR_MODE)


def ca_name(fabric: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{fabric} fabric CA"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "netorch")])


def make_ca(fabric: str, spec: KeySpec, days: int, now: datetime
            ) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A new CA key and its self-signed certificate (path length 0: it signs devices)."""
    key = ec.generate_private_key(spec.curve())
    public = key.public_key()
    name = ca_name(fabric)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(public).serial_number(x509.random_serial_number())
            .not_valid_before(now - CLOCK_SKEW).not_valid_after(now + timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=False, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .sign(key, spec.digest()))
    return key, cert


def is_ca(cert: x509.Certificate) -> bool:
    """Whether `cert` may sign certificates (basicConstraints CA:TRUE)."""
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def check_key_matches(key: ec.EllipticCurvePrivateKey, cert: x509.Certificate,
                      where: CaKeyFile) -> None:
    """The CA key must be the key `ca.crt` certifies."""
    if key.public_key() != cert.public_key():
        raise UserError(f"{where.path.as_posix()}: this CA key does not belong to the "
                        "fabric's CA certificate (pki/ca.crt)")
