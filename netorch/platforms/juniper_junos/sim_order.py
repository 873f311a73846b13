"""Where the simulated SRX puts a statement, and the `insert` command that moves one.

Junos keeps its configuration as a tree and prints it in that order: a statement `set`
into an existing hierarchy joins it, after what is already there (so a new term of a
policy-statement comes after its last term), and an existing one keeps its place when
its value changes. Lists Junos evaluates in order (the terms of a policy-statement or a
firewall filter, the security policies of a zone pair or the global ones) change order
only by `insert PATH ITEM (before|after) ITEM` (Juniper, "Inserting a New Identifier in
a Junos Configuration": "If you do not use the insert command, but instead simply
configure the identifier, it is placed at the end of the list of similar identifiers";
both identifiers must exist). The simulator accepts `insert` on those lists only; the
wording of its error replies is its own.

Kept apart from netorch's own ordering (netorch/platforms/juniper_junos/order.py) so the
device netorch is tested against does not share its mistakes.
"""

from __future__ import annotations

import re

_DIRECTIVES = ("deactivate ", "protect ")
_ORDERED = re.compile(r"policy-options policy-statement \S+ term"
                      r"|firewall (?:family \S+ )?filter \S+ term"
                      r"|security policies (?:from-zone \S+ to-zone \S+|global) policy")


def _path(entry: str) -> str:
    return entry.split(" ", 1)[1] if entry.startswith(_DIRECTIVES) else entry


def _under(entry: str, path: str) -> bool:
    own = _path(entry)
    return own == path or own.startswith(path + " ")


def _shared(a: list[str], b: list[str]) -> int:
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y),
                min(len(a), len(b)))


def place(entries: list[str], statement: str) -> None:
    """Add `statement` where Junos keeps it: after the last statement of the deepest
    hierarchy it shares with the configuration (and that hierarchy's `deactivate`
    lines), else at the end.

    >>> entries = ["p s A term a then accept", "p s A then reject", "system x"]
    >>> place(entries, "p s A term b then accept"); entries[1]
    'p s A term b then accept'
    """
    words = statement.split(" ")
    top = words[0] + " "  # only statements under the same top level share a hierarchy
    depth = [_shared(e.split(" "), words) if e.startswith(top) else 0 for e in entries]
    best = max(depth, default=0)
    if best == 0:
        entries.append(statement)
        return
    at = max(i for i, d in enumerate(depth) if d == best) + 1
    while at < len(entries) and entries[at].startswith(_DIRECTIVES) and \
            not statement.startswith(_path(entries[at])):
        at += 1
    entries.insert(at, statement)


def insert(entries: list[str], words: list[str]) -> str:
    """`insert PATH KEYWORD NAME (before|after) KEYWORD OTHER` on `entries` (the words
    after `insert`): the empty string when done, else the error Junos would print."""
    at = len(words) - 3
    if at < 3 or words[at] not in ("before", "after") or words[at - 2] != words[at + 1]:
        return "syntax error.\n"
    parent, name, other = " ".join(words[:at - 1]), words[at - 1], words[at + 2]
    if not _ORDERED.fullmatch(parent):
        return f"error: {words[at - 2]} is not an ordered list here: cannot insert\n"
    moving, anchor = f"{parent} {name}", f"{parent} {other}"
    for path in (moving, anchor):
        if not any(_under(e, path) for e in entries if not e.startswith(_DIRECTIVES)):
            return f"error: statement not found: {path}\n"
    if name != other:
        block = [e for e in entries if _under(e, moving)]
        entries[:] = [e for e in entries if not _under(e, moving)]
        spots = [i for i, e in enumerate(entries) if _under(e, anchor)]
        at = spots[0] if words[at] == "before" else spots[-1] + 1
        entries[at:at] = block
    return ""


def lists(entries: list[str]) -> dict[str, list[str]]:
    """Each ordered list's names, in the order the configuration holds them."""
    out: dict[str, list[str]] = {}
    for entry in entries:
        m = _ORDERED.match(entry)
        if m and entry[m.end():m.end() + 1] == " ":
            names = out.setdefault(m[0], [])
            if (name := entry[m.end() + 1:].split(" ")[0]) not in names:
                names.append(name)
    return out


def moved(active: list[str], candidate: list[str]) -> dict[str, list[str]]:
    """The ordered lists whose shared names are in another order in `candidate`, with
    the names whose place changed, in the candidate's order."""
    before, after = lists(active), lists(candidate)
    out: dict[str, list[str]] = {}
    for parent, names in after.items():
        old = [n for n in before.get(parent, []) if n in names]
        new = [n for n in names if n in old]
        if old != new:
            out[parent] = [b for a, b in zip(old, new, strict=True) if a != b]
    return out
