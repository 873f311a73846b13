"""Read flatcli's live IPsec SAs (`show ipsec sa`) and BGP sessions (`show bgp summary`).

Both print a header line, then one row per SA or session, columns separated by
blanks: `NAME LOCAL REMOTE STATE` and `NEIGHBOR AS STATE PREFIXES` (PREFIXES `-` when
the session is not Established).
"""

from __future__ import annotations

from netorch.verify.model import LiveBgp, LiveSa, LiveState
from netorch.verify.reader import Send


def _rows(text: str, columns: int) -> list[list[str]]:
    """The data rows of a table (its header and any other line left out)."""
    rows = [line.split() for line in text.splitlines()[1:]]
    return [row for row in rows if len(row) == columns]


def read_flatcli(send: Send) -> LiveState:
    """The device's SAs and BGP sessions.

    >>> read_flatcli(lambda c: {"show ipsec sa": "NAME LOCAL REMOTE STATE\\n"
    ...     "nt-tun1 192.0.2.1 192.0.2.2 up\\n", "show bgp summary": "NEIGHBOR AS STATE "
    ...     "PREFIXES\\n10.0.0.1 65002 Established 1\\n"}[c]).bgp
    [LiveBgp(neighbor='10.0.0.1', state='Established', prefixes=1)]
    """
    sas = [LiveSa(local, remote, state == "up", name, f"SA {state}")
           for name, local, remote, state in _rows(send("show ipsec sa"), 4)]
    bgp = [LiveBgp(neighbor, state, int(count) if count.isdigit() else None)
           for neighbor, _, state, count in _rows(send("show bgp summary"), 4)]
    return LiveState(sas, bgp)
