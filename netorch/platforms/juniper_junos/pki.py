"""What deploy does with a certificate fabric's PKI on Junos: the CA certificate, the
device certificate and the CRL, loaded from files on the box.

Junos takes them only from files (manual enrolment, Juniper "Digital Certificates":
https://www.juniper.net/documentation/us/en/software/junos/pki/topics/task/digital-certificates.html):

    request security pki ca-certificate load ca-profile PROFILE filename F   (asks yes/no)
    request security pki local-certificate load certificate-id ID filename F
    request security pki crl load ca-profile PROFILE filename F

(https://juniper.net/documentation/en_US/junos13.1/topics/reference/command-summary/
request-security-pki-ca-certificate-load.html and the neighbouring pages.) The device's
key pair is made on the box (`certificate_keys = "device"`) and never moves; the
certificate loads only onto that key pair.

render writes the three PEM files beside config.set (`PKI_FILES`, empty ones are not
written). The driver reads what the box has loaded (`show security pki ...`), and for
each file whose certificate (by serial) or CRL (by effective date and revoked serials)
is not the loaded one, uploads it over SFTP to /var/tmp (the box's sshd must offer SFTP:
`set system services ssh sftp-server`) and runs its load command after the commit, CA
first (a CRL loads only for a profile whose CA it can check). The profile and the
certificate id are read from the rendered config.set, so they are named in one place
(templates/juniper_junos/_names.j2). A load is operational state: a config rollback
does not unload it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography import x509

REMOTE_DIR = "/var/tmp"
# rendered file -> what it holds; in load order (the CA before what it vouches for)
PKI_FILES = {"pki-ca.crt": "ca", "pki-cert.crt": "cert", "pki-crl.pem": "crl"}
LOAD_PREFIX = "run request security pki "
_PROFILE = re.compile(r"^set security pki ca-profile (\S+) ca-identity ", re.MULTILINE)
_CERT_ID = re.compile(r"^set security ike policy \S+ certificate local-certificate (\S+)$",
                      re.MULTILINE)
_SERIAL = re.compile(r"^\s*Serial number: ([0-9A-Fa-f:]+)\s*$", re.MULTILINE)
_EFFECTIVE = re.compile(r"^\s*Effective date: (.+?)\s*$", re.MULTILINE)
_WHAT = {"ca": "the fabric CA certificate", "cert": "this device's certificate",
         "crl": "the fabric CRL"}


@dataclass(frozen=True)
class Item:
    """One PKI object deploy keeps loaded: `file` (rendered), `want` (its identity),
    `show` (reads what the box has) and `load` (the command, filename last)."""

    kind: str
    file: str
    want: str
    show: str
    load: str

    @property
    def remote(self) -> str:
        return f"{REMOTE_DIR}/netorch-{self.file}"

    @property
    def what(self) -> str:
        return _WHAT[self.kind]


def _hex(serial: str) -> str:
    return serial.replace(":", "").lower().lstrip("0") or "0"


def _when(value: object) -> str:
    return f"{value:%m-%d-%Y %H:%M} UTC"


def identity(kind: str, pem: str) -> str:
    """What says which certificate (its serial) or which CRL (its effective date and the
    serials it revokes) a PEM file holds, as the box's `show` would say it."""
    if kind == "crl":
        crl = x509.load_pem_x509_crl(pem.encode())
        revoked = ",".join(sorted(f"{r.serial_number:x}" for r in crl))
        return f"{_when(crl.last_update_utc)} revokes [{revoked}]"
    return f"serial {x509.load_pem_x509_certificate(pem.encode()).serial_number:x}"


def shown(kind: str, output: str) -> str | None:
    """The identity of what the box has loaded, from its `show ... detail` (None:
    nothing loaded)."""
    if kind == "crl":
        m = _EFFECTIVE.search(output)
        if m is None:
            return None
        rows = output.partition("Revocation List:")[2].splitlines()
        serials = [w[0].lower() for w in (r.split() for r in rows)
                   if w and re.fullmatch(r"[0-9A-Fa-f:]+", w[0])]
        return f"{m[1]} revokes [{','.join(sorted(_hex(s) for s in serials))}]"
    m = _SERIAL.search(output)
    return f"serial {_hex(m[1])}" if m else None


def items(intended: str, files: Mapping[str, str]) -> list[Item]:
    """The PKI objects the rendered files ask for, in load order ([] for a PSK fabric
    or a certificate fabric without netorch's PKI)."""
    profile = _PROFILE.search(intended)
    cert_id = _CERT_ID.search(intended)
    out = []
    for name, kind in PKI_FILES.items():
        pem = files.get(name, "")
        if not pem.strip() or profile is None or (kind == "cert" and cert_id is None):
            continue
        if kind == "cert" and cert_id is not None:
            show = f"show security pki local-certificate certificate-id {cert_id[1]} detail"
            load = f"local-certificate load certificate-id {cert_id[1]}"
        else:
            noun = "ca-certificate" if kind == "ca" else "crl"
            show = f"show security pki {noun} ca-profile {profile[1]} detail"
            load = f"{noun} load ca-profile {profile[1]}"
        out.append(Item(kind, name, identity(kind, pem), show,
                        f"{LOAD_PREFIX}{load} filename {REMOTE_DIR}/netorch-{name}"))
    return out


def stale(wanted: list[Item], have: Mapping[str, str | None]) -> list[Item]:
    """The items to load: those the box lacks or holds another version of; after a new
    CA certificate, the CRL too (the box checks it against the CA it has)."""
    out: list[Item] = []
    for item in wanted:
        new_ca = item.kind == "crl" and any(o.kind == "ca" for o in out)
        if have.get(item.kind) != item.want or new_ca:
            out.append(item)
    return out


def diff_lines(loads: list[Item], have: Mapping[str, str | None]) -> str:
    """The diff's account of the loads: what the box has, what deploy loads."""
    return "".join(f"--- running/pki {i.kind}: {have.get(i.kind) or 'none loaded'}\n"
                   f"+++ intended/pki {i.kind}: {i.want} (load {i.file})\n" for i in loads)


def failed(item: Item, output: str) -> str | None:
    """Why a load failed, as the box said it (None: it loaded)."""
    if "loaded successfully" in output and not re.search(r"(?m)^error:", output):
        return None
    said = next((ln.strip() for ln in output.splitlines() if ln.strip().startswith("error")),
                output.strip().splitlines()[-1].strip() if output.strip() else "no answer")
    return f"loading {item.what} ({item.file}) failed: {said[:200]}"
