"""Keep secrets out of everything deploy prints, logs or raises.

Two nets: lines that carry a key in any supported syntax have the value replaced,
and every secret value found in a device's rendered files is scrubbed from any text
(an exception from Netmiko may quote a command, and a command may carry a PSK). In a
file render marked as holding a key, every key-shaped value counts, whatever the
syntax around it (a plugin platform's own).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from netorch.keys import holds_key, key_shaped

REDACTED = "<redacted>"
_SECRET_LINE = re.compile(
    r"(?P<key>(?<!<)\b(?:pre-shared-key(?: (?:local|remote))?(?: \d)?|ascii-text|"
    r"psksecret(?: ENC)?|secret|password(?: \d)?|passphrase|private-key|key-string|"
    r"authentication-key)\b\s*=?\s*)"
    r"(?P<value>\S.*?)"
    r"(?P<end>;?\s*$)", re.IGNORECASE)
_MIN_SECRET = 6


def redact_line(line: str) -> str:
    """A config line with any secret value replaced.

    >>> redact_line("  pre-shared-key local Sup3rS3cret")
    '  pre-shared-key local <redacted>'
    >>> redact_line('set psksecret "abc def"')
    'set psksecret <redacted>'
    >>> redact_line("secret = 0sAbCdEf==")
    'secret = <redacted>'
    >>> redact_line("    set passphrase <secret>")
    '    set passphrase <redacted>'
    """
    return _SECRET_LINE.sub(lambda m: m["key"] + REDACTED + m["end"], line)


def redact_text(text: str) -> str:
    return "\n".join(redact_line(line) for line in text.split("\n"))


_PEM_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----(?P<body>.*?)-----END [A-Z ]*PRIVATE "
                      r"KEY-----", re.DOTALL)


def pem_key_lines(text: str) -> set[str]:
    """The body lines of every PEM private key in `text` (a device's derived key),
    whatever quoting a vendor syntax puts around them.

    >>> sorted(pem_key_lines('set private-key "-----BEGIN PRIVATE KEY-----\\nMIGHAgEAMBMG\\n'
    ...                      '-----END PRIVATE KEY-----"'))
    ['MIGHAgEAMBMG']
    """
    found: set[str] = set()
    for match in _PEM_KEY.finditer(text):
        found |= {line.strip().strip("\"'") for line in match["body"].splitlines()}
    return {line for line in found if len(line) >= _MIN_SECRET}


def secrets_in(files: Iterable[str]) -> frozenset[str]:
    """Every secret value the rendered files carry (quotes stripped): PSK-shaped values
    and PEM private key lines in files render marked as holding a key, and the values
    of lines that carry a secret in a known syntax."""
    found: set[str] = set()
    for text in files:
        if holds_key(text):
            found |= key_shaped(text) | pem_key_lines(text)
        for line in text.splitlines():
            match = _SECRET_LINE.search(line)
            if match:
                value = match["value"].strip().strip("\"'")
                value = value.removeprefix("ascii-text ").strip("\"'")
                if len(value) >= _MIN_SECRET:
                    found.add(value)
    return frozenset(found)


class Scrubber:
    """Redacts secret lines and known secret values from any text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        text = redact_text(text)
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text
