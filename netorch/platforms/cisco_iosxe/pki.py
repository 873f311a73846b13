"""IOS-XE: netorch's certificate chain, sent certificate by certificate (not by hier_config).

`crypto pki certificate chain netorch-<fabric>` holds the CA's certificate and the
router's own, each a `certificate [ca] SERIAL` line, its DER as hex lines and `quit`, as
`show running-config` prints it and as config mode takes it back typed (IOS's own
config replace and startup load do exactly that). The lines are data, not commands, so
they are diffed here by content rather than line by line:

- a rendered certificate the chain lacks (or holds with other bytes) is typed in whole;
- a certificate of netorch's chain that is no longer rendered (a renewed router
  certificate, a replaced CA) is removed first with `no certificate SERIAL`, which IOS
  confirms with a [yes/no] question (`driver.IosXeDriver.push` answers it);
- a chain netorch does not render is never touched (an operator's, or netorch's own once
  the fabric no longer renders it: removing it would delete the enrolled certificates).
"""

from __future__ import annotations

import re

HEAD = "crypto pki certificate chain "
# The commands IOS asks [yes/no] about (sent one by one by the driver, answered `yes`).
CONFIRM = re.compile(r"^no certificate (ca |self-signed )?[0-9A-Fa-f]+$")


def is_chain(section: list[str]) -> bool:
    return section[0].startswith(HEAD)


def certificates(section: list[str]) -> dict[str, str]:
    """{`ca 01` or serial: its DER as one upper-case hex string} of a chain section.

    >>> certificates(["crypto pki certificate chain T", " certificate ca 01", "  3082 01",
    ...               "  \\tquit", " certificate 0A", "  30", "  quit"])
    {'ca 01': '308201', '0A': '30'}
    """
    out: dict[str, str] = {}
    current: str | None = None
    for line in section[1:]:
        text = line.strip()
        if text.startswith("certificate "):
            current = text.removeprefix("certificate ")
            out[current] = ""
        elif text == "quit":
            current = None
        elif current is not None:
            out[current] += "".join(text.split()).upper()
    return out


def _hex_lines(section: list[str], key: str) -> list[str]:
    """The hex lines of certificate `key` as the section spells them, then `quit`."""
    out: list[str] = []
    inside = False
    for line in section[1:]:
        text = line.strip()
        if text == f"certificate {key}":
            inside = True
        elif inside and text == "quit":
            break
        elif inside:
            out.append(text)
    return [*out, "quit"]


def commands(have: list[str] | None, want: list[str] | None) -> list[str]:
    """The commands, as typed from global config, that make chain `have` (None: absent)
    hold exactly the certificates of rendered chain `want` (None: not rendered: nothing).

    >>> want = ["crypto pki certificate chain T", " certificate 0B", "  31", "  quit"]
    >>> commands(["crypto pki certificate chain T", " certificate 0A", "  30", "  quit"], want)
    ['crypto pki certificate chain T', 'no certificate 0A', 'certificate 0B', '31', 'quit', \
'exit']
    """
    if want is None:
        return []
    mine = certificates(have) if have else {}
    wanted = certificates(want)
    stale = [f"no certificate {key}" for key, der in mine.items() if wanted.get(key) != der]
    added = [line for key, der in wanted.items() if mine.get(key) != der
             for line in (f"certificate {key}", *_hex_lines(want, key))]
    if not stale and not added:
        return []
    return [want[0], *stale, *added, "exit"]
