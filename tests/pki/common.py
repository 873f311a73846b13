"""Helpers of the PKI tests: throwaway fabrics, the CLI with its output checked for
secrets and tracebacks, CSRs, and `openssl` on the files netorch wrote."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from netorch import api, pki
from netorch.cli import main

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "inventories" / "eastern-region"
CNSA = REPO / "tests" / "fixtures" / "cnsa-regional.yaml"
PASSPHRASE = "pki-tests throwaway CA passphrase"
SECRET = "pki-tests-throwaway-master-secret-7f3a"
SECRETS = (PASSPHRASE, SECRET, "PRIVATE KEY", "Traceback")

# cnsa-regional (tests/fixtures), switched to certificates: five devices, one a site.
CNSA_DERIVED = ("hub-r1", "na-r1", "sb-r1")  # linux_strongswan x2, fortinet_fortios
CNSA_DEVICE = {"nb-r1": "cisco_iosxe", "sa-r1": "juniper_junos"}


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


def cli(capsys: pytest.CaptureFixture[str], *args: str | Path) -> Run:
    """`netorch ARGS` in-process: its exit code and output, which never holds a secret
    (passphrase, master secret, a private key) or a traceback."""
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    run = Run(code, captured.out, captured.err)
    for secret in SECRETS:
        assert secret not in run.text, f"{secret!r} in the output of {args}"
    return run


def user_error(run: Run, *needles: str) -> None:
    """A user mistake: one `error: ...` line, exit 1."""
    assert run.code == 1, run
    assert "error: " in run.err, run
    for needle in needles:
        assert needle in run.err, run


def cnsa_fabric(folder: Path, *, name: str = "cnsa-regional") -> Path:
    """cnsa-regional as a single-file certificate fabric in `folder` (named `name`)."""
    folder.mkdir(parents=True, exist_ok=True)
    text = CNSA.read_text(encoding="utf-8").replace("auth: psk", "auth: certificate")
    target = folder / "cnsa-regional.yaml"
    if name != "cnsa-regional":
        text = text.replace("name: cnsa-regional", f"name: {name}")
    target.write_text(text, encoding="utf-8")
    shutil.copy(CNSA.with_name("cnsa-regional.allocations.yaml"), folder)
    return target


def example_fabric(folder: Path) -> Path:
    """The example inventory (ncsc-prime, directory form) without its PKI folder."""
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns("pki"))
    return folder


def csr(identity: str, key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | None = None,
        *, san: str | None = None, curve: ec.EllipticCurve | None = None) -> bytes:
    """A PEM CSR for `identity` (CN; SAN dNSName `san`, default the same)."""
    key = key or ec.generate_private_key(curve or ec.SECP384R1())
    builder = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, identity)])).add_extension(
        x509.SubjectAlternativeName([x509.DNSName(san or identity)]), critical=False)
    digest = hashes.SHA256() if isinstance(key, rsa.RSAPrivateKey) else hashes.SHA384()
    return builder.sign(key, digest).public_bytes(serialization.Encoding.PEM)


def openssl_verify(ca: Path, cert: Path,
                   crl: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`openssl verify -CAfile CA [-crl_check -CRLfile CRL] CERT`."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    args = ["openssl", "verify", "-CAfile", str(ca)]
    if crl is not None:
        args += ["-crl_check", "-CRLfile", str(crl)]
    return subprocess.run([*args, str(cert)], capture_output=True, text=True, check=False)


def load_cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def view_of(inventory: Path) -> pki.FabricView:
    return pki.fabric_view(api.load(inventory))


def authority_of(inventory: Path, ca_key: Path) -> tuple[pki.FabricView, pki.Authority]:
    view = view_of(inventory)
    return view, pki.open_authority(view, pki.CaKeyFile(ca_key, PASSPHRASE.encode()))


def enterprise_cert(subject: str, public: ec.EllipticCurvePublicKey,
                    issuer_key: ec.EllipticCurvePrivateKey, issuer: str, *, ca: bool,
                    ski: bool = True) -> x509.Certificate:
    """A certificate an enterprise CA (`issuer_key`) issues: a CA's (3000 days) or a
    device's (300 days, SAN dNSName = `subject`), signed with SHA-384."""
    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    now = datetime.now(UTC)
    builder = (x509.CertificateBuilder().subject_name(name(subject)).issuer_name(name(issuer))
               .public_key(public).serial_number(x509.random_serial_number())
               .not_valid_before(now - timedelta(minutes=1))
               .not_valid_after(now + timedelta(days=3000 if ca else 300))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if not ca:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(subject)]),
                                        critical=False)
    if ski:
        builder = builder.add_extension(x509.SubjectKeyIdentifier.from_public_key(public),
                                        critical=False)
    return builder.sign(issuer_key, hashes.SHA384())
