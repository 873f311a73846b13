"""Junos configuration groups: the statements a device inherits through `apply-groups`.

`set groups G PATH` holds a statement in group G. `set apply-groups G` (top level) makes
each of them count as `PATH`; `set LEVEL apply-groups G` does so for G's statements at
or below LEVEL, and `set LEVEL apply-groups-except G` stops G's inheritance at or below
LEVEL. A word in angle brackets (`<*>`, `<ge-*>`) is a wildcard: it stands for the names
the configuration itself has at that place and creates none. Nothing is inherited from
an inactive group statement or through an inactive `apply-groups`.

A statement the configuration says itself takes precedence over an inherited one, and
an earlier group over a later one: for single values (autonomous-system, router-id) that
is `Running.values`; everything else counts where it is said or inherited.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

_APPLY = " apply-groups "
_EXCEPT = " apply-groups-except "


def inherited(statements: list[str], inactive: list[str]) -> list[str]:
    """The statements `statements` inherit from their groups, as their own paths, in
    `apply-groups` order (those the configuration says itself left out).

    >>> inherited(["groups G routing-options router-id 10.0.0.1", "apply-groups G",
    ...            "groups H system ntp server 192.0.2.1"], [])
    ['routing-options router-id 10.0.0.1']
    >>> inherited(["groups G interfaces <ge-*> unit 0 family inet mtu 1400",
    ...            "interfaces ge-0/0/1 unit 0", "interfaces lo0 unit 0",
    ...            "interfaces apply-groups G"], [])
    ['interfaces ge-0/0/1 unit 0 family inet mtu 1400']
    """
    live = [s for s in statements if not _under_any(s, inactive)]
    groups: dict[str, list[str]] = {}
    for statement in live:
        words = statement.split(" ")
        if words[0] == "groups" and len(words) > 2 and "apply-groups" not in words:
            groups.setdefault(words[1], []).append(" ".join(words[2:]))
    own = [s for s in live if not s.startswith("groups ")]
    excepts = [x for s in own if _EXCEPT in f" {s}" for x in _level(s, _EXCEPT)]
    out: dict[str, None] = {}
    for level, group in (x for s in own if _APPLY in f" {s}" for x in _level(s, _APPLY)):
        for path in groups.get(group, []):
            if _under(path, level) and not any(g == group and _under(path, q)
                                               for q, g in excepts):
                out.update(dict.fromkeys(_expand(path, own)))
    said = set(own)
    return [s for s in out if s not in said]


def origin(group_path: str, statement: str) -> str | None:
    """The part of a group's `group_path` that gives `statement` (or a container of
    it), wildcards kept; None when it gives none of it.

    >>> origin("security zones security-zone <*> interfaces ge-0/0/0.0 host-inbound-traffic",
    ...        "security zones security-zone untrust interfaces ge-0/0/0.0")
    'security zones security-zone <*> interfaces ge-0/0/0.0'
    """
    have, want = group_path.split(" "), statement.split(" ")
    if len(have) < len(want):
        return None
    for pattern, word in zip(have, want, strict=False):
        glob = pattern.strip('"')
        wild = glob.startswith("<") and glob.endswith(">")
        if not (fnmatchcase(word, glob[1:-1]) if wild else pattern == word):
            return None
    return " ".join(have[:len(want)])


def _level(statement: str, verb: str) -> list[tuple[str, str]]:
    """(the level an `apply-groups[-except]` sits at, a group it names) for each group.

    >>> _level("protocols bgp apply-groups [ A B ]", _APPLY)
    [('protocols bgp', 'A'), ('protocols bgp', 'B')]
    """
    level, _, named = f" {statement}".rpartition(verb)
    return [(level.strip(), g.strip('"')) for g in named.split(" ") if g not in "[]"]


def _under(path: str, level: str) -> bool:
    return not level or path == level or path.startswith(level + " ")


def _under_any(statement: str, paths: list[str]) -> bool:
    return any(_under(statement, p) for p in paths)


def _expand(path: str, own: list[str]) -> list[str]:
    """`path` with each wildcard word replaced by the names `own` has there."""
    done: list[list[str]] = [[]]
    for word in path.split(" "):
        glob = word.strip('"')
        if not (glob.startswith("<") and glob.endswith(">")):
            done = [[*p, word] for p in done]
            continue
        done = [[*p, name] for p in done for name in _names(own, p)
                if fnmatchcase(name, glob[1:-1])]
    return [" ".join(p) for p in done]


def _names(own: list[str], prefix: list[str]) -> dict[str, None]:
    """The words `own` has right after `prefix`, in order."""
    head = " ".join(prefix) + " " if prefix else ""
    names = (s[len(head):].split(" ")[0] for s in own if s.startswith(head) and s != head)
    return dict.fromkeys(n for n in names if n and not n.startswith("apply-groups"))
