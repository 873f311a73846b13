"""Ordered lists on Junos: netorch's elements end in the order it renders them.

Junos evaluates some lists in order and keeps them in the order they were made: a new
element is appended at the end of its list, whatever `set` lines say around it; only
the `insert PATH ITEM (before|after) ITEM` configuration command moves one (Juniper,
"Inserting a New Identifier in a Junos Configuration"). So on a device that already has
netorch's policy-statement with `term accept`, a term netorch now renders before it
would land after it and never match, unless moved.

The ordered lists netorch renders into:
- the terms of its policy-statements (`netorch-...`: every term in them is netorch's);
- its security policies (`netorch-...`) within a from-zone/to-zone context: only their
  order relative to each other is netorch's; an operator policy there is never the one
  moved (netorch's move past it, to follow their predecessor in the rendered order).
Route-filter-lists, address sets and a policy's match lists are not ordered (a
route-filter-list matches by longest prefix); netorch renders one IKE/IPsec proposal and
one import/export policy each, so those leaf lists have nothing to order.

`inserts` says, after the deletions and `set` commands of a change, which netorch
elements to move: as few as possible (those outside a longest run already in order),
each placed after its predecessor in the rendered order (the first before its
successor). `sort_key` shows an ordered list in its order in a diff, so a change of
order alone shows as lines removed and added.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable

from netorch.platforms.juniper_junos.text import PREFIX

_LISTS = (
    re.compile(rf"(?P<parent>policy-options policy-statement {PREFIX}-\S+) (?P<kind>term) "
               r"(?P<name>\S+)"),
    re.compile(r"(?P<parent>security policies from-zone \S+ to-zone \S+) (?P<kind>policy) "
               rf"(?P<name>{PREFIX}-\S+)"),
)
Key = tuple[str, str]  # (parent path, element keyword), e.g. (policy-statement P, "term")


def element(statement: str) -> tuple[Key, str] | None:
    """The ordered list a statement is in, and its element's name, or None.

    >>> element("policy-options policy-statement netorch-a term accept then accept")
    (('policy-options policy-statement netorch-a', 'term'), 'accept')
    >>> element("policy-options policy-statement theirs term accept then accept") is None
    True
    """
    for pattern in _LISTS:
        m = pattern.match(statement)
        if m:
            return (m["parent"], m["kind"]), m["name"]
    return None


def orders(statements: list[str]) -> dict[Key, list[str]]:
    """Each ordered list's elements, in the order the statements first name them."""
    out: dict[Key, list[str]] = {}
    for statement in statements:
        found = element(statement)
        if found and found[1] not in (names := out.setdefault(found[0], [])):
            names.append(found[1])
    return out


def inserts(running: list[str], commands: list[str], target: list[str]) -> list[str]:
    """`insert` commands that put netorch's elements in `target`'s order, once
    `commands` (deletions, then `set`s, as plan_change sends them) have run on `running`."""
    current = orders(running)
    for command in commands:
        verb, _, path = command.partition(" ")
        if verb == "delete":
            _delete(current, path)
        elif verb == "set" and (found := element(path)) and found[1] not in (
                names := current.setdefault(found[0], [])):
            names.append(found[1])
    out: list[str] = []
    for key, wanted in orders(target).items():
        parent, kind = key
        have = [name for name in current.get(key, []) if name in wanted]
        for name, where, other in moves(have, wanted):
            out.append(f"insert {parent} {kind} {name} {where} {kind} {other}")
    return out


def _delete(current: dict[Key, list[str]], path: str) -> None:
    def under(p: str) -> bool:
        return p == path or p.startswith(path + " ")
    for (parent, kind), names in current.items():
        names[:] = [] if under(parent) else [n for n in names if not under(f"{parent} {kind} {n}")]


def moves(have: list[str], wanted: list[str]) -> list[tuple[str, str, str]]:
    """The fewest moves (name, "before"|"after", anchor) that turn `have`'s order into
    `wanted`'s (the same names): a longest run already in order stays where it is.

    >>> moves(["accept", "site-a", "site-b"], ["site-a", "site-b", "accept"])
    [('accept', 'after', 'site-b')]
    >>> moves(["c", "a", "b"], ["c", "b", "a"])
    [('b', 'after', 'c')]
    >>> moves(["b", "c", "a"], ["a", "b", "c"])
    [('a', 'before', 'b')]
    """
    if have == wanted:
        return []
    position = {name: index for index, name in enumerate(have)}
    kept = _longest_rising([position[name] for name in wanted])
    out: list[tuple[str, str, str]] = []
    first_kept = wanted[min(kept)] if kept else None
    for index, name in enumerate(wanted):
        if index in kept:
            continue
        if index:
            out.append((name, "after", wanted[index - 1]))
        elif first_kept is not None:
            out.append((name, "before", first_kept))
    return out


def _longest_rising(values: list[int]) -> set[int]:
    """Indexes of one longest strictly rising subsequence of `values`.

    >>> sorted(_longest_rising([1, 2, 0])), sorted(_longest_rising([2, 0, 1]))
    ([0, 1], [1, 2])
    """
    tails: list[int] = []  # tails[k]: the smallest value ending a run of length k + 1
    ends: list[int] = []  # ends[k]: its index
    back: list[int] = []  # back[i]: the index before i in the run ending at i
    for index, value in enumerate(values):
        k = bisect_left(tails, value)
        back.append(ends[k - 1] if k else -1)
        if k == len(tails):
            tails.append(value)
            ends.append(index)
        else:
            tails[k], ends[k] = value, index
    out: set[int] = set()
    index = ends[-1] if ends else -1
    while index >= 0:
        out.add(index)
        index = back[index]
    return out


def sort_key(order: dict[Key, list[str]]) -> Callable[[str], tuple[str, int, str]]:
    """A key that sorts `set`/`deactivate` lines by text, but an ordered list's elements
    by their position in `order` (each element's own lines by text)."""
    def key(line: str) -> tuple[str, int, str]:
        verb, _, statement = line.partition(" ")
        found = element(statement)
        if found is None or found[1] not in (names := order.get(found[0], [])):
            return line, 0, ""
        (parent, kind), name = found
        return f"{verb} {parent} {kind} ", names.index(name), line
    return key
