"""The lab's own fabric PKI, for certificate fabrics: made in the lab's workdir, never in
the inventory, with netorch's own PKI code (`netorch.pki`).

Layout (`WORKDIR/pki`, 0700): `public/` is the lab's PKI folder (ca.crt, certs/,
crl.pem, index.json, as `netorch pki init` makes beside an inventory); `private/`
(0700) holds the CA key (encrypted PKCS#8, 0600) and the passphrase generated for it
(0600). Every lab device is `linux_strongswan`, so every device key is derived from the
lab's master secret and deploy delivers it. `lab down` removes the workdir, and the PKI
with it: each `lab up` makes a new CA.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from netorch import pki
from netorch.inventory.model import Inventory
from netorch.keys import Secret
from netorch.lab.errors import LabError

PKI_DIR = "pki"
PUBLIC_DIR = "public"
PRIVATE_DIR = "private"
CA_KEY = "ca.key"
PASSPHRASE = "ca.passphrase"  # the file holding the CA key's passphrase


def pki_root(workdir: Path) -> Path:
    """The lab's PKI folder (what `api.load_pki(inventory, root=...)` reads)."""
    return workdir / PKI_DIR / PUBLIC_DIR


def _folder(path: Path) -> Path:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)  # also when it was there already (mkdir's mode obeys the umask)
    return path


def key_file(workdir: Path) -> pki.CaKeyFile:
    """Where the lab's CA key is, with its passphrase (made on first use, 0600)."""
    _folder(workdir / PKI_DIR)
    private = _folder(workdir / PKI_DIR / PRIVATE_DIR)
    phrase = private / PASSPHRASE
    if not phrase.exists():
        fd = os.open(phrase, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(32))
    return pki.CaKeyFile(private / CA_KEY, phrase.read_text().strip().encode())


def prepare(workdir: Path, inventory: Inventory, secret: Secret) -> pki.FabricPki | None:
    """The lab's PKI of `inventory` (the lab's: every device Linux): its CA made on first
    use, a certificate issued to every device without one (a revoked one is kept: `lab`
    tests revocation); None for a PSK fabric."""
    view = pki.fabric_view(inventory, pki_root(workdir))
    if not view.certificates:
        return None
    where = key_file(workdir)
    if not view.paths.exists():
        pki.init(view, where)
    missing = [m for m in view.members if not view.paths.cert(m.name).exists()]
    if missing:
        outcome = pki.issue(view, pki.open_authority(view, where), secret, missing)
        if outcome.skipped:
            raise LabError("the lab could not issue every certificate: "
                           + "; ".join(outcome.skipped))
    return load(workdir, inventory)


def load(workdir: Path, inventory: Inventory) -> pki.FabricPki | None:
    """The lab's PKI as it is now (None: a PSK fabric, or none made yet)."""
    return pki.load_pki(pki.fabric_view(inventory, pki_root(workdir)))


def revoke(workdir: Path, inventory: Inventory, device: str) -> list[str]:
    """Revoke `device`'s certificate in the lab's PKI (its CRL rewritten); a redeploy
    pushes the CRL. What was done, line by line."""
    view = pki.fabric_view(inventory, pki_root(workdir))
    member = view.member(device)
    if member is None or not view.paths.exists():
        raise LabError(f"the lab's PKI has no device {device}")
    return pki.revoke(view, pki.open_authority(view, key_file(workdir)), member).done
