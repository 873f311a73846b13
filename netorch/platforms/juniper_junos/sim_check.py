"""The simulated SRX's commit check: what Junos refuses, on the configuration in effect.

The configuration in effect is the active statements (none under a `deactivate`) plus
what configuration groups give: `set apply-groups G` inherits every `groups G PATH` as
`PATH`, `set LEVEL apply-groups G` the ones at or below LEVEL, and `apply-groups-except
G` at a level stops that below it; a wildcard word (`<*>`, `<ge-*>`) stands for the
names the configuration has there. (Kept apart from netorch's own reader,
netorch/platforms/juniper_junos/groups.py, so the device does not share its mistakes.)

Refused, as Junos prints it: an interface in two security zones; a security policy
whose from-zone or to-zone is not a zone the configuration has (`junos-host` is Junos's
own); an IKE policy trusting a ca-profile the configuration does not have (`sim_pki`);
a security policy, address-set or application-set naming an address or application, or
a policy-statement naming a route-filter-list, that the configuration does not define
(`sim_policy`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from fnmatch import fnmatchcase

from netorch.platforms.juniper_junos.sim_config import inactive
from netorch.platforms.juniper_junos.sim_pki import unknown_profiles
from netorch.platforms.juniper_junos.sim_policy import policy_problems

_BUILTIN_ZONES = {"junos-host", "any"}
_MEMBER = re.compile(r"security zones (?:security|functional)-zone (\S+) interfaces (\S+)")
_PAIR = re.compile(r"security policies from-zone (\S+) to-zone (\S+)")
_GLOBAL = re.compile(r"security policies global policy (\S+) match (from-zone|to-zone) (\S+)")


def in_effect(entries: list[str]) -> list[str]:
    """The statements in effect: active ones and what their groups give them."""
    off = set(inactive(entries))
    said = [e for e in entries if not e.startswith(("deactivate ", "protect "))
            and e not in off]
    groups = [e.split(" ", 2) for e in said if e.startswith("groups ") and e.count(" ") > 1]
    own = [e for e in said if not e.startswith("groups ")]
    out = list(own)
    for level, group in _applied(own, " apply-groups "):
        stops = [lv for lv, g in _applied(own, " apply-groups-except ") if g == group]
        for _, name, path in groups:
            if name == group and _below(path, level) and not any(_below(path, s) for s in stops):
                out += [p for p in _wild(path.split(" "), own) if p not in out]
    return out


def _applied(own: list[str], verb: str) -> Iterator[tuple[str, str]]:
    for entry in own:
        level, found, group = f" {entry}".rpartition(verb)
        if found:
            yield level.strip(), group.strip('"')


def _below(path: str, level: str) -> bool:
    return not level or path == level or path.startswith(level + " ")


def _wild(words: list[str], own: list[str]) -> list[str]:
    for index, quoted in enumerate(words):
        word = quoted.strip('"')
        if word.startswith("<") and word.endswith(">"):
            head = " ".join(words[:index])
            names = {e[len(head) + 1:].split(" ")[0] for e in own if e.startswith(head + " ")}
            return [p for n in sorted(names) if fnmatchcase(n, word[1:-1])
                    and not n.startswith("apply-groups")
                    for p in _wild([*words[:index], n, *words[index + 1:]], own)]
    return [" ".join(words)]


def commit_problems(entries: list[str]) -> list[str]:
    """What Junos's commit check refuses, as it prints it."""
    effect = in_effect(entries)
    return [*_two_zones(effect), *_unknown_zones(effect), *unknown_profiles(effect),
            *policy_problems(effect)]


def _two_zones(effect: list[str]) -> list[str]:
    homes: dict[str, list[str]] = {}
    for entry in effect:
        m = _MEMBER.match(entry)
        if m and m[1] not in homes.get(m[2], []):
            homes.setdefault(m[2], []).append(m[1])
    return [f"[edit security zones security-zone {zones[1]}]\n  'interfaces {name}'\n"
            f"    Interface {name} is already in zone {zones[0]}\n"
            for name, zones in homes.items() if len(zones) > 1]


def _unknown_zones(effect: list[str]) -> list[str]:
    zones = {e.split(" ")[3] for e in effect
             if re.match(r"security zones (security|functional)-zone \S+", e)}
    out: dict[str, None] = {}
    named: tuple[str, ...]
    for entry in effect:
        if m := _PAIR.match(entry):
            named, where = (m[1], m[2]), f"[edit security policies]\n  '{m[0][18:]}'\n"
        elif m := _GLOBAL.match(entry):
            named, where = (m[3],), f"[edit security policies global policy {m[1]} match]\n"
        else:
            continue
        for zone in named:
            if zone not in zones and zone not in _BUILTIN_ZONES:
                out[f"{where}    Security zone {zone} must be defined\n"] = None
    return list(out)
