"""Pre-shared keys derived per tunnel from one master secret (HKDF-SHA-256).

The master secret comes from `NETORCH_SECRET` or a file at run time; it and the keys
derived from it are never stored in the inventory, the plan, a report or a log.
Each key is bound to the fabric name and the tunnel identity, so two fabrics sharing
a master secret still get different keys, and a leaked key opens one tunnel only.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from netorch.errors import SecretMissing, UserError

SECRET_ENV = "NETORCH_SECRET"
MIN_SECRET_BYTES = 16
KEY_BYTES = 32
REDACTED = "<redacted>"


class Secret:
    """The master secret: usable for derivation, unprintable by accident."""

    __slots__ = ("_derived", "_value")

    def __init__(self, value: bytes) -> None:
        if len(value) < MIN_SECRET_BYTES:
            raise UserError(f"the master secret is too short: use at least {MIN_SECRET_BYTES} "
                            "random bytes (e.g. `openssl rand -base64 32`)")
        self._value = value
        self._derived: dict[tuple[str, str], str] = {}

    def __repr__(self) -> str:
        return "Secret(<redacted>)"

    __str__ = __repr__

    def derive(self, fabric: str, key_ref: str) -> str:
        """The PSK a plan's `key_ref` names: 32 bytes as 64 hex characters (safe in every
        vendor CLI), bound to the fabric and to the tunnel's peers. Derived once per
        key_ref: render and the writer (which files hold keys) both ask for it."""
        cached = self._derived.get((fabric, key_ref))
        if cached is not None:
            return cached
        hkdf = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES,
                    salt=f"netorch/{fabric}".encode(), info=f"v1/{key_ref}".encode())
        key = self._derived[(fabric, key_ref)] = hkdf.derive(self._value).hex()
        return key


def load_secret(secret_file: Path | None = None, *, required: bool = True) -> Secret | None:
    """The master secret from `--secret-file` or `NETORCH_SECRET` (the file wins)."""
    if secret_file is not None:
        try:
            raw = secret_file.read_bytes().strip()
        except OSError as exc:
            raise UserError(f"cannot read the secret file {secret_file}: {exc.strerror}") from None
        return Secret(raw)
    env = os.environ.get(SECRET_ENV, "")
    if env:
        return Secret(env.encode())
    if required:
        raise SecretMissing(f"this needs the PSK master secret: set {SECRET_ENV} or pass "
                            "--secret-file (or use --redact to render without keys)")
    return None
