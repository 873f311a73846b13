"""The simulated SRX's PKI: files put on the box over SFTP, and the operational
`request security pki ...` / `show security pki ...` commands that use them.

What it models (Juniper, "Digital Certificates", manual enrolment:
https://www.juniper.net/documentation/us/en/software/junos/pki/topics/task/digital-certificates.html;
command syntax: `request security pki ca-certificate load ca-profile NAME filename PATH`,
https://juniper.net/documentation/en_US/junos13.1/topics/reference/command-summary/request-security-pki-ca-certificate-load.html;
`generate-key-pair certificate-id ID type ecdsa size 256|384` as DISA STIG fix texts quote it):
- a key pair is made on the box (`generate-key-pair`) and never leaves it; its CSR
  (`generate-certificate-request`) is printed or written to a file;
- a CA certificate loads only into a ca-profile of the committed config, after the
  operator answers the fingerprint question (`[yes,no]`);
- a local certificate loads only onto an existing key pair whose public key it carries;
- a CRL loads only for a profile whose CA certificate is loaded and signed it.
Files live in memory (`PkiStore.files`), written by `PkiSftp` (an asyncssh SFTP server:
create, write, chmod, rename, remove), which the simulator offers on the device's SSH port.
"""

from __future__ import annotations

import hashlib
import re
import shlex
from dataclasses import dataclass, field
from typing import Any

import asyncssh
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

_CURVES: dict[str, ec.EllipticCurve] = {"256": ec.SECP256R1(), "384": ec.SECP384R1()}
_DIGESTS: dict[str, hashes.SHA256 | hashes.SHA384] = {"sha-256": hashes.SHA256(),
                                             "sha-384": hashes.SHA384()}
_DN_KEYS = {"CN": NameOID.COMMON_NAME, "O": NameOID.ORGANIZATION_NAME,
            "OU": NameOID.ORGANIZATIONAL_UNIT_NAME, "C": NameOID.COUNTRY_NAME,
            "L": NameOID.LOCALITY_NAME, "ST": NameOID.STATE_OR_PROVINCE_NAME,
            "DC": NameOID.DOMAIN_COMPONENT}
LOAD_QUESTION = "Do you want to load this CA certificate ? [yes,no] (no) "


@dataclass
class PkiStore:
    """One box's PKI state and its files (path: bytes)."""

    files: dict[str, bytes] = field(default_factory=dict)
    modes: dict[str, int] = field(default_factory=dict)
    keys: dict[str, ec.EllipticCurvePrivateKey] = field(default_factory=dict)
    local: dict[str, x509.Certificate] = field(default_factory=dict)
    ca: dict[str, x509.Certificate] = field(default_factory=dict)
    crl: dict[str, x509.CertificateRevocationList] = field(default_factory=dict)
    # A rehearsal's box (`JunosDevice.rehearsal`): its running config says nothing of its
    # PKI, and a signed certificate in the inventory says the box made the key pair, so a
    # local certificate loads without one here.
    assume_key_pairs: bool = False


@dataclass
class PendingCa:
    """A CA certificate waiting for the operator's yes."""

    profile: str
    cert: x509.Certificate


def _options(words: list[str], allowed: set[str]) -> dict[str, str] | None:
    """`key value` pairs after a command, or None when a key is unknown or has no value."""
    if len(words) % 2:
        return None
    pairs = dict(zip(words[::2], words[1::2], strict=True))
    return pairs if set(pairs) <= allowed else None


def _split(text: str) -> list[str] | None:
    try:
        return shlex.split(text)
    except ValueError:
        return None


def _read(store: PkiStore, path: str) -> bytes | None:
    return store.files.get(path if path.startswith("/") else f"/var/tmp/{path}")


def generate_key_pair(store: PkiStore, args: list[str]) -> str:
    opts = _options(args, {"certificate-id", "size", "type"})
    if opts is None or "certificate-id" not in opts:
        return "error: syntax error, expecting <certificate-id>\n"
    if opts.get("type", "rsa") != "ecdsa" or opts.get("size", "256") not in _CURVES:
        return "error: the simulator makes ECDSA key pairs only: type ecdsa size 256|384\n"
    cert_id = opts["certificate-id"]
    if cert_id in store.keys:
        return f"error: Key pair {cert_id} already exists\n"
    store.keys[cert_id] = ec.generate_private_key(_CURVES[opts.get("size", "256")])
    return f"Generated key pair {cert_id}, key size {opts.get('size', '256')} bits\n"


def _name(dn: str) -> x509.Name | None:
    parts = []
    for item in dn.split(","):
        key, sep, value = item.strip().partition("=")
        if not sep or key.upper() not in _DN_KEYS or not value:
            return None
        parts.append(x509.NameAttribute(_DN_KEYS[key.upper()], value))
    return x509.Name(parts)


def certificate_request(store: PkiStore, args: list[str]) -> str:
    opts = _options(args, {"certificate-id", "subject", "domain-name", "digest", "filename",
                           "email", "ip-address"})
    if opts is None or not {"certificate-id", "subject"} <= set(opts):
        return "error: syntax error, expecting <certificate-id> and <subject>\n"
    key = store.keys.get(opts["certificate-id"])
    subject = _name(opts["subject"])
    if key is None:
        return f"error: Key pair {opts['certificate-id']} not found\n"
    if subject is None or opts.get("digest", "sha-256") not in _DIGESTS:
        return "error: invalid subject or digest\n"
    builder = x509.CertificateSigningRequestBuilder().subject_name(subject)
    if "domain-name" in opts:
        builder = builder.add_extension(x509.SubjectAlternativeName(
            [x509.DNSName(opts["domain-name"])]), critical=False)
    csr = builder.sign(key, _DIGESTS[opts.get("digest", "sha-256")])
    pem = csr.public_bytes(serialization.Encoding.PEM)
    if "filename" in opts:
        path = opts["filename"]
        store.files[path if path.startswith("/") else f"/var/tmp/{path}"] = pem
        return f"Generated certificate request\n  Written to file {path}\n"
    return f"Generated certificate request\n{pem.decode()}"


def _pem_cert(data: bytes | None) -> x509.Certificate | None:
    try:
        return x509.load_pem_x509_certificate(data) if data else None
    except ValueError:
        return None


def _fingerprint(cert: x509.Certificate) -> str:
    # the sha1 fingerprint Junos prints before it loads a CA certificate
    digest = hashlib.sha1(cert.public_bytes(serialization.Encoding.DER)).hexdigest()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def load_ca(store: PkiStore, args: list[str], profiles: set[str]) -> tuple[str, PendingCa | None]:
    opts = _options(args, {"ca-profile", "filename"})
    if opts is None or set(opts) != {"ca-profile", "filename"}:
        return "error: syntax error, expecting <ca-profile> and <filename>\n", None
    if opts["ca-profile"] not in profiles:
        return f"error: CA profile {opts['ca-profile']} not configured\n", None
    data = _read(store, opts["filename"])
    cert = _pem_cert(data)
    if cert is None:
        why = "No such file" if data is None else "not a certificate"
        return f"error: Failed to load CA certificate from {opts['filename']}: {why}\n", None
    text = f"Fingerprint:\n  {_fingerprint(cert)} (sha1)\n{LOAD_QUESTION}"
    return text, PendingCa(opts["ca-profile"], cert)


def answer_ca(store: PkiStore, pending: PendingCa, answer: str) -> str:
    if answer != "yes":
        return "CA certificate not loaded\n"
    store.ca[pending.profile] = pending.cert
    return f"CA certificate for profile {pending.profile} loaded successfully\n"


def load_local(store: PkiStore, args: list[str]) -> str:
    opts = _options(args, {"certificate-id", "filename"})
    if opts is None or set(opts) != {"certificate-id", "filename"}:
        return "error: syntax error, expecting <certificate-id> and <filename>\n"
    cert_id = opts["certificate-id"]
    cert = _pem_cert(_read(store, opts["filename"]))
    key = store.keys.get(cert_id)
    if cert is None:
        return f"error: Failed to load local certificate from {opts['filename']}\n"
    if key is None and not store.assume_key_pairs:
        return f"error: Key pair {cert_id} not found: generate it and its request first\n"
    if key is not None and _spki(cert.public_key()) != _spki(key.public_key()):
        return f"error: certificate does not match the key pair {cert_id}\n"
    store.local[cert_id] = cert
    return f"Local certificate {cert_id} loaded successfully\n"


def _spki(key: Any) -> bytes:
    return bytes(key.public_bytes(serialization.Encoding.DER,
                                  serialization.PublicFormat.SubjectPublicKeyInfo))


def load_crl(store: PkiStore, args: list[str]) -> str:
    opts = _options(args, {"ca-profile", "filename"})
    if opts is None or set(opts) != {"ca-profile", "filename"}:
        return "error: syntax error, expecting <ca-profile> and <filename>\n"
    profile = opts["ca-profile"]
    try:
        crl = x509.load_pem_x509_crl(_read(store, opts["filename"]) or b"")
    except ValueError:
        return f"error: Failed to load CRL from {opts['filename']}\n"
    ca = store.ca.get(profile)
    if ca is None:
        return f"error: CA certificate for profile {profile} not loaded\n"
    if not _signed_by(crl, ca):
        return f"error: CRL is not signed by the CA of profile {profile}\n"
    store.crl[profile] = crl
    return f"CRL for CA profile {profile} loaded successfully\n"


def _signed_by(crl: x509.CertificateRevocationList, ca: x509.Certificate) -> bool:
    key = ca.public_key()
    try:
        return isinstance(key, ec.EllipticCurvePublicKey) and crl.is_signature_valid(key)
    except InvalidSignature:
        return False


def _when(value: Any) -> str:
    return f"{value:%m-%d-%Y %H:%M} UTC"


def show_cert(cert_id: str, cert: x509.Certificate | None, what: str) -> str:
    if cert is None:
        return f"error: {what} {cert_id} does not exist\n"
    return (f"Certificate identifier: {cert_id}\n  Certificate version: 3\n"
            f"  Serial number: {cert.serial_number:x}\n"
            f"  Subject:\n    {cert.subject.rfc4514_string()}\n  Validity:\n"
            f"    Not before: {_when(cert.not_valid_before_utc)}\n"
            f"    Not after: {_when(cert.not_valid_after_utc)}\n"
            f"  Fingerprint:\n    {_fingerprint(cert)} (sha1)\n")


def show_crl(profile: str, crl: x509.CertificateRevocationList | None) -> str:
    if crl is None:
        return f"error: CRL for CA profile {profile} does not exist\n"
    rows = "".join(f"  {r.serial_number:x}  {_when(r.revocation_date_utc)}\n" for r in crl)
    number = crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number \
        if any(isinstance(e.value, x509.CRLNumber) for e in crl.extensions) else 0
    return (f"CA profile: {profile}\nCRL version: V00000001\nCRL number: {number}\n"
            f"Effective date: {_when(crl.last_update_utc)}\n"
            f"Next update: {_when(crl.next_update_utc)}\n"
            f"Revocation List:\n  Serial number  Revocation date\n{rows}")


_REQUEST = re.compile(r"request security pki (generate-key-pair|generate-certificate-request|"
                      r"ca-certificate load|local-certificate load|crl load)(?: (.*))?")
_SHOW = re.compile(r"show security pki (ca-certificate ca-profile|local-certificate "
                   r"certificate-id|crl ca-profile) (\S+)(?: detail)?")


def request(store: PkiStore, text: str, profiles: set[str]) -> tuple[str, PendingCa | None] | None:
    """The reply to a `request security pki` command (None: not one), and a CA
    certificate waiting for the operator's yes."""
    m = _REQUEST.fullmatch(text)
    if m is None:
        return None
    args = _split(m[2] or "")
    if args is None:
        return "error: syntax error\n", None
    if m[1] == "ca-certificate load":
        return load_ca(store, args, profiles)
    run = {"generate-key-pair": generate_key_pair, "generate-certificate-request":
           certificate_request, "local-certificate load": load_local, "crl load": load_crl}
    return run[m[1]](store, args), None


def show(store: PkiStore, text: str) -> str | None:
    m = _SHOW.fullmatch(text)
    if m is None:
        return None
    if m[1] == "crl ca-profile":
        return show_crl(m[2], store.crl.get(m[2]))
    if m[1] == "ca-certificate ca-profile":
        return show_cert(m[2], store.ca.get(m[2]), "CA profile")
    return show_cert(m[2], store.local.get(m[2]), "certificate-id")


class _Handle:
    __slots__ = ("data", "path")

    def __init__(self, path: str) -> None:
        self.path = path
        self.data = bytearray()


class PkiSftp(asyncssh.SFTPServer):
    """SFTP into `store.files`: the calls netorch's `RemoteFiles` makes (an exclusive
    create with its mode, write, chmod, close, posix-rename, remove)."""

    def __init__(self, chan: asyncssh.SSHServerChannel[bytes], store: PkiStore) -> None:
        super().__init__(chan)
        self.store = store

    def open(self, path: bytes, pflags: int, attrs: asyncssh.SFTPAttrs) -> object:
        name = path.decode()
        if pflags & asyncssh.FXF_EXCL and name in self.store.files:
            raise asyncssh.SFTPFailure(f"{name} exists")
        if not name.startswith("/var/tmp/"):
            raise asyncssh.SFTPPermissionDenied("the simulator writes /var/tmp only")
        handle = _Handle(name)
        self.store.files[name] = b""
        self.store.modes[name] = attrs.permissions or 0o644
        return handle

    def write(self, file_obj: object, offset: int, data: bytes) -> int:
        assert isinstance(file_obj, _Handle)
        buf = file_obj.data
        buf[offset:offset + len(data)] = data
        return len(data)

    def fsetstat(self, file_obj: object, attrs: asyncssh.SFTPAttrs) -> None:
        assert isinstance(file_obj, _Handle)
        if attrs.permissions is not None:
            self.store.modes[file_obj.path] = attrs.permissions & 0o7777

    def close(self, file_obj: object) -> None:
        assert isinstance(file_obj, _Handle)
        self.store.files[file_obj.path] = bytes(file_obj.data)

    def posix_rename(self, oldpath: bytes, newpath: bytes) -> None:
        old, new = oldpath.decode(), newpath.decode()
        if old not in self.store.files:
            raise asyncssh.SFTPNoSuchFile(old)
        self.store.files[new] = self.store.files.pop(old)
        self.store.modes[new] = self.store.modes.pop(old, 0o644)

    rename = posix_rename

    def remove(self, path: bytes) -> None:
        if self.store.files.pop(path.decode(), None) is None:
            raise asyncssh.SFTPNoSuchFile(path.decode())


# The `set` grammar the simulator checks under `security pki` and an IKE policy's
# `certificate` (Junos CLI reference: ca-profile (Security PKI), crl (Security),
# policy (Security IKE)); a word outside it is a syntax error at that word.
_PROFILE_KEYS = {"ca-identity", "revocation-check", "enrollment", "administrator",
                 "proxy-profile", "source-address", "routing-instance"}
_REVOCATION = (["disable"], ["crl", "disable", "on-download-failure"],
               ["crl", "refresh-interval", "<hours>"], ["crl", "url", "<url>"],
               ["use-crl"], ["use-ocsp"])
_CERTIFICATE = (["local-certificate", "<id>"], ["trusted-ca", "ca-profile", "<name>"],
                ["trusted-ca", "trusted-ca-group", "<name>"],
                ["peer-certificate-type", "x509-signature"],
                ["peer-certificate-type", "pkcs7"], ["policy-oids", "<oid>"])


def _shape(words: list[str], shapes: tuple[list[str], ...], start: int) -> int | None:
    """Index of the first word of `words[start:]` no shape allows (None: one fits)."""
    rest = words[start:]
    best = start
    for shape in shapes:
        fit = 0
        while fit < min(len(rest), len(shape)) and (shape[fit] == rest[fit] or (
                shape[fit].startswith("<") and _value(shape[fit], rest[fit]))):
            fit += 1
        if fit == len(rest) == len(shape):
            return None
        best = max(best, start + fit)
    return best if best < len(words) else len(words) - 1


def _value(kind: str, word: str) -> bool:
    if kind == "<hours>":
        return word.isdigit() and int(word) <= 8784
    return bool(word) and not word.startswith("-")


def pki_bad_token(words: list[str]) -> int | None:
    """Index of the word Junos would reject in a `set security pki ...` or
    `set security ike policy P certificate ...` line (None: fine or not such a line)."""
    if words[1:3] == ["security", "pki"]:
        if len(words) < 6 or words[3] != "ca-profile":
            return 3 if len(words) > 3 and words[3] == "ca-profile" else None
        if words[5] not in _PROFILE_KEYS:
            return 5
        if words[5] == "revocation-check":
            return _shape(words, _REVOCATION, 6)
        return 6 if words[5] == "ca-identity" and len(words) != 7 else None
    if words[1:4] == ["security", "ike", "policy"] and len(words) > 5 \
            and words[5] == "certificate":
        return _shape(words, _CERTIFICATE, 6)
    return None


_TRUSTED = re.compile(r"security ike policy (\S+) certificate trusted-ca ca-profile (\S+)")


def unknown_profiles(effect: list[str]) -> list[str]:
    """An IKE policy trusting a ca-profile the configuration does not have."""
    profiles = {e.split(" ")[3] for e in effect if e.startswith("security pki ca-profile ")}
    return [f"[edit security ike policy {m[1]} certificate trusted-ca]\n"
            f"  'ca-profile {m[2]}'\n    Referenced ca-profile {m[2]} is not defined\n"
            for e in effect if (m := _TRUSTED.match(e)) and m[2] not in profiles]
