"""Device certificates: built, signed by the fabric CA, and their derived keys.

A device certificate's subject CN and its SAN dNSName are the device's IKE identity
(`DEVICE.FABRIC`); key usage digitalSignature (critical: RFC 4945 section 5.1.3.2) and
extended key usage serverAuth, clientAuth and ipsecIKE (RFC 4945 5.1.3.12 lets a peer
require any of them: Cisco IOS-XE and Junos accept certificates with these, FortiOS
and strongSwan do not require one).

A derived device key is an ECDSA key whose scalar comes from the master secret through
HKDF, bound to the fabric, the device and its key generation (a revoke moves the
device to the next one), so netorch stores no device key anywhere.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from netorch.keys import Secret
from netorch.pki.authority import CLOCK_SKEW
from netorch.pki.profile import KeySpec

IPSEC_IKE = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.17")  # id-kp-ipsecIKE, RFC 4945
EKU = [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH, IPSEC_IKE]
_ORDER = {256: int("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16),
          384: int("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF"
                   "581A0DB248B0A77AECEC196ACCC52973", 16)}


def ca_id(ca_cert: x509.Certificate) -> bytes:
    """The CA's key identifier (RFC 5280 method 1, from its key, so an imported CA without
    the extension has one too): what a derived device key is bound to."""
    return x509.SubjectKeyIdentifier.from_public_key(ca_cert.public_key()).digest


def key_id(public: object) -> str:
    """A public key's identifier as the ledger records it (RFC 5280 method 1, upper-case
    hex): how a revoked key is recognised in a later CSR."""
    return x509.SubjectKeyIdentifier.from_public_key(public).digest.hex().upper()  # type: ignore[arg-type]


def derived_key(secret: Secret, fabric: str, device: str, generation: int, spec: KeySpec,
                *, ca: bytes) -> ec.EllipticCurvePrivateKey:
    """The device's key of `generation` under the CA whose key identifier is `ca` (a new
    CA, or a new generation after a revoke, means a new key: a revoked key is never
    certified again). 64 extra bits of HKDF output make the scalar's reduction modulo
    the curve order unbiased (FIPS 186-5 A.2.1)."""
    order = _ORDER[spec.curve_bits]
    seed = secret.material(fabric, f"pki/{ca.hex()}/{device}/{generation}",
                           spec.curve_bits // 8 + 8)
    scalar = int.from_bytes(seed, "big") % (order - 1) + 1
    return ec.derive_private_key(scalar, spec.curve())


def key_pem(key: ec.EllipticCurvePrivateKey) -> str:
    """The unencrypted PKCS#8 PEM a device loads (it never leaves render/deploy)."""
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def device_cert(ike_id: str, public: ec.EllipticCurvePublicKey, ca_cert: x509.Certificate,
                ca_key: ec.EllipticCurvePrivateKey, spec: KeySpec, now: datetime,
                days: int) -> x509.Certificate:
    """The device certificate for `public`, signed by the CA."""
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ike_id)]))
            .issuer_name(ca_cert.subject).public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - CLOCK_SKEW).not_valid_after(now + timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=False,
                crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage(EKU), critical=False)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(ike_id)]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
                ca_ski), critical=False)
            .sign(ca_key, spec.digest()))


def crl(ca_cert: x509.Certificate, ca_key: ec.EllipticCurvePrivateKey, spec: KeySpec,
        revoked: list[tuple[int, datetime]], number: int, now: datetime,
        days: int) -> x509.CertificateRevocationList:
    """The CA's CRL listing `revoked` (serial, when), valid `days` from `now`."""
    # authorityKeyIdentifier: strongSwan finds a loaded CRL by its CA's key id only
    # (revocation_validator.c, check_crl), and RFC 5280 5.2.1 requires it
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    builder = (x509.CertificateRevocationListBuilder().issuer_name(ca_cert.subject)
               .last_update(now - CLOCK_SKEW).next_update(now + timedelta(days=days))
               .add_extension(x509.CRLNumber(number), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
                   ca_ski), critical=False))
    for serial, when in sorted(revoked):
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when)
            .add_extension(x509.CRLReason(x509.ReasonFlags.unspecified), critical=False)
            .build())
    return builder.sign(ca_key, spec.digest())


def pem(thing: x509.Certificate | x509.CertificateRevocationList) -> str:
    return thing.public_bytes(serialization.Encoding.PEM).decode()


def csr_pem(ike_id: str, key: ec.EllipticCurvePrivateKey, spec: KeySpec) -> str:
    """A PKCS#10 request for `key`, subject CN and SAN dNSName `ike_id`, signed with the
    profile's hash: what an enterprise CA signs for a derived-key device."""
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ike_id)]))
           .add_extension(x509.SubjectAlternativeName([x509.DNSName(ike_id)]), critical=False)
           .sign(key, spec.digest()))
    return csr.public_bytes(serialization.Encoding.PEM).decode()
