"""The simulated IOS-XE's certificate chains, typed in config mode.

`crypto pki certificate chain NAME` (for a trustpoint that exists) enters the chain's
mode; there `certificate [ca|self-signed] SERIAL` starts the certificate's hex, which
every following line continues until `quit`. Then, like IOS, the certificate is kept
only if its hex is hex and decodes to an X.509 certificate whose serial is the one
typed; it is shown back in IOS's layout (upper-case, 8-digit groups, 32 bytes a line,
`quit` indented with a tab) whatever the typed layout was. `no certificate SERIAL` asks
[yes/no] first. The refusal texts are modelled on IOS's `% ...` messages, not copied.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from cryptography import x509

from netorch.platforms.cisco_iosxe.sim_load import Node

HEADER = re.compile(r"^certificate (?:(ca|self-signed) )?([0-9A-Fa-f]{1,40})$")
HEX = re.compile(r"^[0-9A-Fa-f]+$")
BYTES_PER_LINE = 32


@dataclass
class Pending:
    """A certificate being typed: its chain, its header line, the hex so far."""

    chain: Node
    header: str
    serial: str
    words: list[str] = field(default_factory=list)


def trustpoint_known(root: Node, chain_line: str) -> bool:
    name = chain_line.rsplit(maxsplit=1)[-1]
    return root.find(f"crypto pki trustpoint {name}") is not None


def start(chain: Node, text: str) -> Pending | None:
    """The certificate `text` (a header line) starts in `chain`; None if it is none."""
    m = HEADER.match(text)
    if m is None:
        return None
    header = f"certificate {m[1] + ' ' if m[1] else ''}{m[2].upper()}"
    return Pending(chain, header, m[2])


def bad_word(text: str) -> int | None:
    """Index of the first word of a hex line that is not hex (None: all hex)."""
    return next((i for i, word in enumerate(text.split()) if not HEX.match(word)), None)


def layout(der: bytes) -> list[str]:
    """DER as IOS prints it under `certificate`: two spaces, 8-digit groups, 32 bytes a line.

    >>> layout(bytes(range(5)))
    ['  00010203 04']
    """
    text = der.hex().upper()
    out = []
    for start_at in range(0, len(text), BYTES_PER_LINE * 2):
        chunk = text[start_at:start_at + BYTES_PER_LINE * 2]
        out.append("  " + " ".join(chunk[i:i + 8] for i in range(0, len(chunk), 8)))
    return out


def finish(pending: Pending) -> str | None:
    """Store the certificate typed (an error message instead if IOS would refuse it)."""
    joined = "".join(pending.words)
    if not joined or len(joined) % 2:
        return "% Error in certificate: an odd number of hex digits, or none\n"
    der = bytes.fromhex(joined)
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        return "% Error in certificate: not a DER X.509 certificate\n"
    if cert.serial_number != int(pending.serial, 16):
        return (f"% Error in certificate: its serial is {cert.serial_number:X}, "
                f"not {pending.serial}\n")
    pending.chain.remove(pending.header)
    node = Node(pending.header, block=[*layout(der), "  \tquit"])
    pending.chain.children.append(node)
    return None


def removal(chain: Node, words: list[str]) -> str | None:
    """The certificate `no certificate ...` names in `chain` (None: it holds no such)."""
    header = "certificate " + " ".join(words[1:])
    found = next((c for c in chain.children if c.text.upper() == header.upper()), None)
    return found.text if found else None


def _dn(name: x509.Name) -> list[str]:
    """A name's attributes as IOS lists them under `Issuer:` / `Subject:` (lower-case keys)."""
    return [f"    {a.rfc4514_string().split('=', 1)[0].lower()}="
            f"{a.rfc4514_string().split('=', 1)[1]}" for rdn in name.rdns for a in rdn]


def _even(text: str) -> str:
    return text if len(text) % 2 == 0 else "0" + text


def _when(moment: datetime) -> str:
    return moment.strftime("%H:%M:%S UTC %b %d %Y")


def _block(cert: x509.Certificate, ca: bool, trustpoint: str) -> list[str]:
    return [
        "CA Certificate" if ca else "Certificate", "  Status: Available",
        f"  Certificate Serial Number (hex): {_even(f'{cert.serial_number:X}')}",
        f"  Certificate Usage: {'Signature' if ca else 'General Purpose'}",
        "  Issuer: ", *_dn(cert.issuer), "  Subject:", *_dn(cert.subject), "  Validity Date: ",
        f"    start date: {_when(cert.not_valid_before_utc)}",
        f"    end   date: {_when(cert.not_valid_after_utc)}",
        f"  Associated Trustpoints: {trustpoint} ", ""]


def show_certificates(root: Node, trustpoint: str | None = None) -> str:
    """`show crypto pki certificates [NAME]`: each chain's certificates, the router's own
    first (layout of ntc-templates' cisco_ios show_crypto_pki_certificates samples)."""
    out: list[str] = []
    for chain in root.children:
        name = chain.text.removeprefix("crypto pki certificate chain ")
        if name == chain.text or trustpoint not in (None, name):
            continue
        for node in sorted(chain.children, key=lambda n: n.text.startswith("certificate ca ")):
            hex_text = "".join(w for line in node.block for w in line.split() if HEX.match(w))
            try:
                cert = x509.load_der_x509_certificate(bytes.fromhex(hex_text))
            except ValueError:
                continue
            out += _block(cert, node.text.startswith("certificate ca "), name)
    return "\n".join(out) + ("\n" if out else "")
