"""Pre-shared keys derived per tunnel from one master secret (HKDF-SHA-256).

The master secret comes from `NETORCH_SECRET` or a file at run time; it and the keys
derived from it are never stored in the inventory, the plan, a report or a log.
Each key is bound to the fabric name and the tunnel identity, so two fabrics sharing
a master secret still get different keys, and a leaked key opens one tunnel only.
A weak master secret (short, blank, one character repeated, or fewer than 5 different
characters) is refused; messages say why, never what it is.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Protocol

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from netorch.errors import SecretMissing, UserError
from netorch.fsio import read_regular

SECRET_ENV = "NETORCH_SECRET"
MIN_SECRET_BYTES = 16
# Fewer different bytes than this is a pattern ("abababab..."), not a random secret:
# 16 random hex characters, the shortest random secret accepted, have fewer only about
# 4 times in 10 million draws.
MIN_DISTINCT_BYTES = 5
MAX_SECRET_FILE_BYTES = 4096
KEY_BYTES = 32
REDACTED = "<redacted>"


class Key(str):
    """A derived pre-shared key. Render notices one written into a file and returns that
    file as `SecretText`."""

    __slots__ = ()


class SecretText(str):
    """A rendered file holding a key: written 0600 (render) or with its keys' mode
    (deploy), in folders only its owner may open."""

    __slots__ = ()


# What `Secret.derive` makes (KEY_BYTES as hex), in either case, as a whole word.
KEY_SHAPE = re.compile(rf"(?<![0-9A-Fa-f])[0-9A-Fa-f]{{{KEY_BYTES * 2}}}(?![0-9A-Fa-f])")


def key_shaped(text: str) -> set[str]:
    """Every run of `text` shaped like a derived key: how a key written in a syntax
    netorch does not know (a plugin's, a user's template) is still found."""
    return set(KEY_SHAPE.findall(text))


def holds_key(text: str) -> bool:
    """Whether a rendered file holds a key (render marked it `SecretText`)."""
    return isinstance(text, SecretText)


class _Authenticated(Protocol):
    @property
    def auth(self) -> str: ...


def needs_secret(what: _Authenticated, *, redact: bool = False) -> bool:
    """Whether `what` (a plan's `fabric`, or one tunnel) needs the master secret: it
    authenticates with pre-shared keys and they are not redacted."""
    return what.auth == "psk" and not redact


class Secret:
    """The master secret: usable for derivation, unprintable by accident."""

    __slots__ = ("_derived", "_value")

    def __init__(self, value: bytes) -> None:
        problem = weakness(value)
        if problem is not None:
            raise UserError(f"the master secret is {problem}: use at least {MIN_SECRET_BYTES} "
                            "random bytes (e.g. `openssl rand -base64 32`)")
        self._value = value
        self._derived: dict[tuple[str, str], Key] = {}

    def __repr__(self) -> str:
        return "Secret(<redacted>)"

    __str__ = __repr__

    def derive(self, fabric: str, key_ref: str) -> Key:
        """The PSK a plan's `key_ref` names: 32 bytes as 64 hex characters (safe in every
        vendor CLI), bound to the fabric and to the tunnel's peers. Derived once per
        key_ref (the two ends of a tunnel share it)."""
        cached = self._derived.get((fabric, key_ref))
        if cached is not None:
            return cached
        hkdf = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES,
                    salt=f"netorch/{fabric}".encode(), info=f"v1/{key_ref}".encode())
        key = self._derived[(fabric, key_ref)] = Key(hkdf.derive(self._value).hex())
        return key


    def material(self, fabric: str, label: str, length: int) -> bytes:
        """`length` bytes bound to the fabric and `label` (HKDF-SHA-256, as `derive`;
        labels start "pki/" so they never meet a tunnel's key_ref): a device key's seed."""
        hkdf = HKDF(algorithm=hashes.SHA256(), length=length,
                    salt=f"netorch/{fabric}".encode(), info=f"v1/{label}".encode())
        return hkdf.derive(self._value)


def weakness(value: bytes) -> str | None:
    """Why `value` is too weak to be a master secret, or None. Never quotes the value.

    >>> weakness(b"aaaaaaaaaaaaaaaaaaaa")
    'one character repeated'
    >>> weakness(b"3q2+7wAAlVZ4Xf0tAsBz1A==") is None
    True
    """
    if value and not value.strip():
        return "only whitespace"
    if len(value) < MIN_SECRET_BYTES:
        return f"too short ({len(value)} bytes)"
    distinct = len(set(value))
    if distinct == 1:
        return "one character repeated"
    if distinct < MIN_DISTINCT_BYTES:
        return f"too repetitive (only {distinct} different characters, at least " \
               f"{MIN_DISTINCT_BYTES} needed)"
    return None


def secret_file_exposure(path: Path) -> str | None:
    """A warning if group or others may access the secret file `path`, else None."""
    try:
        info = path.stat()
    except OSError:
        return None  # reading it reports the problem
    mode = stat.S_IMODE(info.st_mode)
    if not stat.S_ISREG(info.st_mode) or mode & 0o077 == 0:
        return None  # not a file: reading it reports that
    return (f"{path.as_posix()}: the secret file is accessible to group or others (mode "
            f"{mode:04o}): `chmod 600 {path.as_posix()}`")


def load_secret(secret_file: Path | None = None, *, required: bool = True) -> Secret | None:
    """The master secret from `--secret-file` or `NETORCH_SECRET` (the file wins)."""
    if secret_file is not None:
        raw = read_regular(secret_file, limit=MAX_SECRET_FILE_BYTES, what="secret file",
                           pipes=True)
        return Secret(_without_line_end(raw))
    env = _environment_secret()
    if env:
        return Secret(env)
    if required:
        raise SecretMissing(f"this needs the PSK master secret: set {SECRET_ENV} or pass "
                            "--secret-file")
    return None


def _environment_secret() -> bytes:
    """`NETORCH_SECRET` as the bytes the environment holds: any bytes are a secret,
    whether or not they are UTF-8 (decoding and re-encoding would fail on them)."""
    if os.supports_bytes_environ:
        return os.environb.get(SECRET_ENV.encode(), b"")
    return os.environ.get(SECRET_ENV, "").encode("utf-8", "surrogateescape")  # Windows


def _without_line_end(raw: bytes) -> bytes:
    r"""The secret file's bytes without the one line ending an editor or `echo` adds;
    nothing else is stripped, so a binary secret (`openssl rand 32 > FILE`) is used
    whole, whatever bytes it ends in.

    >>> _without_line_end(b"s3cret\r\n"), _without_line_end(b"\x00\x20\x0a\x0a")
    (b's3cret', b'\x00 \n')
    """
    for end in (b"\r\n", b"\n"):
        if raw.endswith(end):
            return raw[: -len(end)]
    return raw
