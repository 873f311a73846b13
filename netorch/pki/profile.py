"""Which key and signature hash a fabric's certificates use: its crypto profile decides.

- `ncsc-prime`: ECDSA on P-256 with SHA-256. NCSC's IPsec guidance ("Using IPsec to
  protect data", the PRIME profile) names ECDSA P-256/SHA-256 for IKE authentication.
- `cnsa`: ECDSA on P-384 with SHA-384, CNSA suite 1.0 (NSA, CNSSP 15): P-384 and
  SHA-384 for digital signatures.
- `custom`: ECDSA P-256/SHA-256, the RFC 8247 "SHOULD" for IKEv2 digital signatures.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa


@dataclass(frozen=True)
class KeySpec:
    """A fabric's certificate key: `name` as reports show it, the curve's bits, the hash."""

    name: str
    curve_bits: int
    hash: str
    source: str

    def curve(self) -> ec.EllipticCurve:
        return ec.SECP384R1() if self.curve_bits == 384 else ec.SECP256R1()

    def digest(self) -> hashes.SHA256 | hashes.SHA384:
        return hashes.SHA384() if self.hash == "sha384" else hashes.SHA256()


P256 = KeySpec("ecdsa-p256", 256, "sha256", "NCSC IPsec guidance (PRIME): ECDSA P-256, SHA-256")
P384 = KeySpec("ecdsa-p384", 384, "sha384", "CNSA suite 1.0 (CNSSP 15): ECDSA P-384, SHA-384")
CUSTOM = KeySpec("ecdsa-p256", 256, "sha256", "RFC 8247 section 3.2: ECDSA P-256, SHA-256")
_SPECS = {"ncsc-prime": P256, "cnsa": P384}


def key_spec(crypto_profile: str) -> KeySpec:
    """The certificate key of a fabric with this crypto profile.

    >>> key_spec("cnsa").name
    'ecdsa-p384'
    """
    return _SPECS.get(crypto_profile, CUSTOM)


def describe_key(key: object) -> str:
    """A public or private key as reports name it: ecdsa-p256, ecdsa-p384, rsa-2048..."""
    if isinstance(key, ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey):
        return {"secp256r1": "ecdsa-p256", "secp384r1": "ecdsa-p384",
                "secp521r1": "ecdsa-p521"}.get(key.curve.name, f"ecdsa-{key.curve.name}")
    if isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey):
        return f"rsa-{key.key_size}"
    return type(key).__name__.lower().removesuffix("publickey") or "unknown"
