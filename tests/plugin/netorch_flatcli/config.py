"""flatcli configs: the grammar, what netorch owns, and the commands that change it.

A config is one object per line, `KIND NAME SETTING VALUE ...`; `#` starts a comment
and `end` closes `show running-config`. Typing an object's line in configure mode
replaces the line with the same key, `no KIND NAME` removes it. The key is the kind
and the name; `hostname` and `router-bgp` (the one BGP process) are keyed by kind.

Ownership is by name: an object is netorch's when its name starts with `PREFIX`
(`PLATFORM.owned["prefix"]`, which the templates spell as `owned.prefix`). The one
shared line is `router-bgp ASN router-id ADDRESS`: netorch adds it where there is none,
and a device already running BGP as another AS, or with another router-id, is a
conflict (nothing is sent). netorch never removes it.

Commands: the changed and new lines in intended order, then removals, referrers first
(`DELETE_ORDER`), as the device refuses to remove an object another line names.
A pre-shared key (`secret KEY`, last on its line) is masked in every diff and listing;
the device shows it as typed, so equal keys compare equal, and `rotate_keys` sends each
again.
"""

from __future__ import annotations

from collections.abc import Iterator

from netorch.deploy.change import Change, ConfigParseError, Conflict, unified

from . import CONFIG_FILE, PLATFORM

PREFIX = PLATFORM.owned["prefix"]
KINDS = ("hostname", "interface", "route", "prefix-list", "tunnel", "router-bgp",
         "bgp-neighbor", "bgp-network")
SINGLE = frozenset({"hostname", "router-bgp"})  # keyed by kind alone
DELETE_ORDER = ("bgp-network", "bgp-neighbor", "tunnel", "prefix-list", "interface", "route")
MASK = "<secret>"
Key = tuple[str, ...]

__all__ = ["ConfigParseError", "lines", "managed", "parse", "plan_change"]


def key(words: list[str]) -> Key:
    """An object line's key: its kind, and its name unless the kind is single.

    >>> key(["tunnel", "nt-tun1", "local", "192.0.2.1"]), key(["router-bgp", "65001"])
    (('tunnel', 'nt-tun1'), ('router-bgp',))
    """
    return (words[0],) if words[0] in SINGLE else (words[0], words[1])


def problem(words: list[str]) -> str | None:
    """Why a typed object line is not one (None if it is).

    >>> problem(["tunnel", "nt-tun1", "local"]), problem(["vlan", "10"])
    ('settings come in pairs', 'unknown kind vlan')
    """
    if words[0] not in KINDS:
        return f"unknown kind {words[0]}"
    if len(words) < 2:
        return "a name is missing"
    if len(words) % 2:
        return "settings come in pairs"
    return None


def parse(text: str) -> dict[Key, str]:
    """The object lines of a config by key, in order (comments, blanks and `end` left
    out); a line that is not an object line is a `ConfigParseError`."""
    out: dict[Key, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = " ".join(raw.split())
        if not line or line.startswith("#") or line == "end":
            continue
        why = problem(line.split())
        if why is not None:
            raise ConfigParseError(number, why, raw)
        out[key(line.split())] = line
    return out


def owned(config: dict[Key, str]) -> dict[Key, str]:
    """netorch's objects: those named with its prefix, and the BGP process line."""
    return {k: v for k, v in config.items()
            if k == ("router-bgp",) or (len(k) == 2 and k[1].startswith(PREFIX))}


def mask(line: str, placeholder: str = MASK) -> str:
    """A line with its key value replaced.

    >>> mask("tunnel nt-tun1 peer-id r2 secret 0a1b")
    'tunnel nt-tun1 peer-id r2 secret <secret>'
    """
    words = line.split()
    return " ".join(placeholder if i and words[i - 1] == "secret" else w
                    for i, w in enumerate(words))


def lines(text: str) -> list[str]:
    """Every object line of a config, keys masked (rehearse compares configs so)."""
    return [mask(line) for line in parse(text).values()]


def managed(running: str, intended: str = "") -> str:
    """netorch's part of `running`, keys masked: equal means the same state."""
    return "".join(mask(line) + "\n" for line in owned(parse(running)).values())


def _bgp_conflicts(have: dict[Key, str], want: dict[Key, str]) -> Iterator[Conflict]:
    running, intended = have.get(("router-bgp",)), want.get(("router-bgp",))
    if running is None or intended is None or running == intended:
        return
    old, new = running.split(), intended.split()
    if old[1] != new[1]:
        yield Conflict(running, f"BGP already runs as AS {old[1]}",
                       f"set `asn: {old[1]}` on the device to join its BGP process")
    elif old[2:] != new[2:]:
        yield Conflict(running, "BGP runs with other settings (router-id)",
                       "set the device's `router_id:` to the one it has")


def plan_change(running: str, intended: str, *, rotate_keys: bool = False) -> Change:
    """The commands that turn netorch's part of `running` into `intended`, and the
    conflicts that forbid sending them.

    >>> plan_change("tunnel nt-tun1 local 192.0.2.1\\nbgp-neighbor nt-n1 via nt-tun1\\n"
    ...             "tunnel vpn7 local 192.0.2.1\\n", "").commands
    ['no bgp-neighbor nt-n1', 'no tunnel nt-tun1']
    >>> change = plan_change("router-bgp 65001 router-id 192.0.2.1\\n",
    ...                      "router-bgp 65002 router-id 192.0.2.1\\n")
    >>> change.commands, [c.resolve for c in change.conflicts]
    ([], ['set `asn: 65001` on the device to join its BGP process'])
    """
    have_all, want = parse(running), owned(parse(intended))
    have = owned(have_all)
    conflicts = tuple(_bgp_conflicts(have_all, want))
    sets = [line for k, line in want.items() if have.get(k) != line
            or (rotate_keys and " secret " in line)]
    if conflicts:
        sets = [line for line in sets if not line.startswith("router-bgp ")]
    gone = [k for k in have if k not in want and k != ("router-bgp",)]
    gone.sort(key=lambda k: DELETE_ORDER.index(k[0]) if k[0] in DELETE_ORDER else 0)
    commands = [*sets, *(f"no {' '.join(k)}" for k in gone)]
    if not commands:
        return Change(conflicts=conflicts)
    new = "<new secret>" if rotate_keys else MASK
    before = "".join(mask(v) + "\n" for v in have.values())
    after = "".join(mask(v, new) + "\n" for v in want.values())
    return Change(unified(before, after, CONFIG_FILE), commands, conflicts)
