"""A fabric PKI made in a temporary folder, for the certificate checks and the report.

`make_pki` copies the example inventory without its PKI folder, creates a CA at a fixed
time, issues every derived-key device its certificate and signs a CSR for every device
whose key is made on the device (IOS-XE, Junos), as `netorch pki` would.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from netorch import api, pki
from netorch.keys import Secret
from tests.conftest import EXAMPLE

T0 = datetime(2030, 1, 1, tzinfo=UTC)  # when the CA and certificates are made
SECRET = Secret(b"a fixed test master secret, 32 bytes+")
PASSPHRASE = b"a long test passphrase"


@dataclass(frozen=True)
class MadePki:
    inventory: Path
    key_file: pki.CaKeyFile

    def view(self) -> pki.FabricView:
        return pki.fabric_view(api.load(self.inventory))

    def authority(self) -> pki.Authority:
        return pki.open_authority(self.view(), self.key_file)

    def cert_path(self, device: str) -> Path:
        return self.view().paths.cert(device)


def csr_for(member: pki.Member, spec: pki.KeySpec, folder: Path, name: str | None = None,
            curve: ec.EllipticCurve | None = None) -> Path:
    """A CSR as the device would make it: its own key, CN and SAN its IKE identity."""
    key = ec.generate_private_key(curve or spec.curve())
    ident = name or member.ike_id
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ident)]))
           .add_extension(x509.SubjectAlternativeName([x509.DNSName(ident)]), critical=False)
           .sign(key, spec.digest()))
    path = folder / f"{member.name}.csr"
    path.write_bytes(csr.public_bytes(serialization.Encoding.PEM))
    return path


def make_pki(root: Path, *, ca_days: int = pki.CA_DAYS, days: int = pki.DEVICE_DAYS,
             now: datetime = T0, sign_devices: bool = True) -> MadePki:
    """The example inventory at `root/inv` with a PKI made at `now`; the CA key in
    `root/keys` (outside the inventory)."""
    inventory = root / "inv"
    shutil.copytree(EXAMPLE, inventory, ignore=shutil.ignore_patterns("pki"))
    made = MadePki(inventory, pki.CaKeyFile(root / "keys" / "ca.key", PASSPHRASE))
    view = made.view()
    pki.init(view, made.key_file, days=ca_days, crl_days=ca_days, now=now)
    authority = made.authority()
    pki.issue(view, authority, SECRET, list(view.members), days=days, now=now)
    if sign_devices:
        csrs = root / "csr"
        csrs.mkdir(exist_ok=True)
        for member in view.members:
            if member.keys == "device":
                pki.sign(view, made.authority(), member, csr_for(member, view.spec, csrs),
                         days=days, now=now)
    return made


def write_cert(made: MadePki, device: str, *, ike_id: str | None = None,
               curve: ec.EllipticCurve | None = None, days: int = 30,
               now: datetime = T0) -> None:
    """Replace `device`'s certificate by one signed by the fabric CA with another
    identity, key curve or lifetime (what a hand-edited PKI folder holds)."""
    from netorch.pki.authority import load_ca_key
    from netorch.pki.issue import device_cert, pem

    view = made.view()
    member = view.member(device)
    assert member is not None
    ca_key = load_ca_key(made.key_file, view.spec)
    ca_cert = x509.load_pem_x509_certificate(view.paths.ca_cert.read_bytes())
    public = ec.generate_private_key(curve or view.spec.curve()).public_key()
    cert = device_cert(ike_id or member.ike_id, public, ca_cert, ca_key, view.spec, now, days)
    view.paths.cert(device).write_text(pem(cert))


def days_after(count: int) -> datetime:
    return T0 + timedelta(days=count)
