"""The contract of a platform's verify reader (each lives in its platform plugin).

A reader takes `send` (run one show command on the device, return its output) and
returns the device's `LiveState`: its IKE/IPsec SAs and BGP sessions. Structured
output where the platform has it, ntc-templates (TextFSM) where they cover the
command, small regular expressions otherwise.
"""

from __future__ import annotations

from collections.abc import Callable

from netorch.verify.model import LiveState

Send = Callable[[str], str]
Reader = Callable[[Send], LiveState]


def state_or_count(text: str) -> tuple[str, int | None]:
    """A BGP summary's last column: a prefix count means Established, anything else
    is the session's state.

    >>> state_or_count("12"), state_or_count("Active")
    (('Established', 12), ('Active', None))
    """
    return ("Established", int(text)) if text.isdigit() else (text, None)
