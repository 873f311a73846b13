"""The contract of a platform's verify reader (each lives in its platform plugin).

A reader takes `send` (run one show command on the device, return its output) and
returns the device's `LiveState`: its IKE/IPsec SAs and BGP sessions; its module may
hold a `CertReader` too (`read_certificates`), which verify runs on certificate
fabrics only. Structured
output where the platform has it, ntc-templates (TextFSM) where they cover the
command, small regular expressions otherwise.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from datetime import datetime

from netorch.verify.model import LiveCert, LiveState

Send = Callable[[str], str]
Reader = Callable[[Send], LiveState]


def state_or_count(text: str) -> tuple[str, int | None]:
    """A BGP summary's last column: a prefix count means Established, anything else
    is the session's state.

    >>> state_or_count("12"), state_or_count("Active")
    (('Established', 12), ('Active', None))
    """
    return ("Established", int(text)) if text.isdigit() else (text, None)


# A platform's certificate reader: every certificate the device holds as its own (with
# its private key; CA certificates left out), [] when it holds none. It lives beside the
# platform's verify reader, in the same module, under this name (`read_certificates`);
# a platform without one shows no certificate to verify (`CertVerdict.UNREAD`).
CertReader = Callable[[Send], list[LiveCert]]
CERT_READER = "read_certificates"


def certificate_reader(reader: Reader | None) -> CertReader | None:
    """The certificate reader beside `reader` (in its module), or None."""
    if reader is None:
        return None
    found = getattr(sys.modules.get(reader.__module__), CERT_READER, None)
    return found if callable(found) else None


def serial_text(text: str) -> str | None:
    """A serial as a device shows it (colon-separated, spaced, any case, leading zeros)
    in the form `netorch.pki.store.serial_hex` writes: upper-case hex of even length;
    None if it is not hex.

    >>> serial_text("7a:e7:00:01"), serial_text("4c0b8f6e"), serial_text("00 0ABC")
    ('7AE70001', '4C0B8F6E', '0ABC')
    """
    digits = re.sub(r"[\s:]", "", text)
    if not re.fullmatch(r"[0-9A-Fa-f]+", digits):
        return None
    value = f"{int(digits, 16):X}"
    return value if len(value) % 2 == 0 else "0" + value


def utc_time(text: str, formats: tuple[str, ...]) -> str | None:
    """A time a device shows in UTC, as ISO 8601 ("2026-01-31T12:00:00Z"); None when it
    fits none of `formats` (a device clock in another zone is not guessed at).

    >>> utc_time("Dec 01 08:21:30 UTC 2026", ("%b %d %H:%M:%S UTC %Y",))
    '2026-12-01T08:21:30Z'
    """
    for fmt in formats:
        try:
            return datetime.strptime(" ".join(text.split()), fmt).strftime("%Y-%m-%dT%H:%M:%SZ")
        except ValueError:
            continue
    return None


def blocks(text: str, start: str) -> list[str]:
    """`text` cut before every line matching the regular expression `start` (what comes
    before the first such line is dropped)."""
    found = list(re.finditer(start, text, re.M))
    ends = [m.start() for m in found[1:]] + [len(text)] if found else []
    return [text[m.start():end] for m, end in zip(found, ends, strict=True)]
