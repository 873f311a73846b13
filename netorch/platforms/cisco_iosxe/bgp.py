"""IOS-XE `router bgp`: the one BGP process netorch shares with the operator, line by line.

A device runs one BGP process, so netorch never owns the section. Its scope is the
process level and the global `address-family ipv4` (`ipv4 unicast` is the same family);
VRF and other families (`address-family ipv4 vrf X`, `ipv6`, `vpnv4`...) are the
operator's and never read or sent a line. In that scope netorch owns the lines of its
neighbours (those it renders, and stale ones whose `neighbor X description` starts with
`MARKER`) and of the `network`s the caller recognises as netorch's (`view`'s
`networks`: those with netorch's anchor route). A rendered `network` the operator
already has is shared: kept while rendered, never removed; one the operator has in
another form (`network P mask M route-map RM`) is theirs and not sent (`yielding`).
Other lines it renders are added when missing and never removed. See
`netorch.platforms.cisco_iosxe.config`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from netorch.deploy.change import Conflict
from netorch.platforms.cisco_iosxe import PLATFORM

MARKER = PLATFORM.owned["marker"]  # netorch's neighbour descriptions start with it
_NEIGHBOR = re.compile(r"^neighbor (\S+) ")
_NETWORK = re.compile(r"^network (\S+) mask (\S+)$")
_ANY_NETWORK = re.compile(r"^network (\S+) mask (\S+)( |$)")
GLOBAL = "address-family ipv4"  # netorch's family; `address-family ipv4 unicast` is it too
_ROUTER_ID = re.compile(r"^bgp router-id (\S+)$")


@dataclass
class Process:
    """A `router bgp` section: its header, its process-level lines and its address
    families (header -> lines), all without indentation."""

    header: str
    top: list[str] = field(default_factory=list)
    families: dict[str, list[str]] = field(default_factory=dict)

    @property
    def asn(self) -> str:
        return self.header.split()[2]

    def neighbours(self) -> list[str]:
        """Every neighbour address, in config order."""
        found = (m[1] for line in self.every() if (m := _NEIGHBOR.match(line)))
        return list(dict.fromkeys(found))

    def marked(self) -> set[str]:
        """The neighbours whose description says netorch configured them."""
        return {m[1] for line in self.top if (m := _NEIGHBOR.match(line))
                and line.startswith(f"neighbor {m[1]} description {MARKER}")}

    def networks(self) -> dict[tuple[str, str], str]:
        """Each `network P mask M` line, in any form (with `route-map`...), by prefix."""
        return {(m[1], m[2]): line for line in self.every() if (m := _ANY_NETWORK.match(line))}

    def router_id(self) -> str | None:
        return next((m[1] for line in self.top if (m := _ROUTER_ID.match(line))), None)

    def every(self) -> list[str]:
        return [*self.top, *(line for lines in self.families.values() for line in lines)]


def find(sections: list[list[str]]) -> list[str] | None:
    """The `router bgp` section among top-level sections, if any."""
    return next((s for s in sections if s[0].startswith("router bgp ")), None)


def parse(section: list[str] | None) -> Process | None:
    """A `router bgp` section as a `Process` of netorch's scope: the process level and
    the global IPv4 family. Other families and nested blocks (peer templates) are the
    operator's and left out.

    >>> parse(["router bgp 1", " bgp router-id 1.1.1.1", " address-family ipv4 unicast",
    ...        "  network 10.0.0.0 mask 255.0.0.0", " address-family ipv4 vrf C",
    ...        "  network 10.1.0.0 mask 255.255.0.0"]).families
    {'address-family ipv4': ['network 10.0.0.0 mask 255.0.0.0']}
    """
    if section is None:
        return None
    process = Process(section[0])
    family: str | None = None
    for line in section[1:]:
        text = line.strip()
        if len(line) - len(line.lstrip()) <= 1:
            family = _family(text)
            if family == "":
                process.top.append(text)
            elif family is not None:
                process.families.setdefault(family, [])
        elif family:
            process.families[family].append(text)
    return process


def _family(line: str) -> str | None:
    """netorch's name for a process-level line's family: "" (not a family header),
    `GLOBAL`, or None (another family: the operator's)."""
    if not line.startswith("address-family "):
        return ""
    return GLOBAL if line in (GLOBAL, GLOBAL + " unicast") else None


# Process-wide settings netorch renders for a BGP process it starts; on one it joins they
# are the operator's (they change how the operator's own neighbours behave), so they are
# sent only if the process already has them.
_PROCESS_SETTINGS = re.compile(r"^(bgp router-id \S+|bgp log-neighbor-changes|"
                               r"no bgp default ipv4-unicast)$")


def joining(have: list[list[str]], want: list[list[str]]) -> list[list[str]]:
    """`want` as sent to a device that already runs this AS: without the process-wide
    settings it lacks (`bgp router-id`: setting one on a running process resets every
    session, the operator's too; `no bgp default ipv4-unicast`, `bgp log-neighbor-changes`).
    netorch's neighbours are activated explicitly either way.

    >>> joining([["router bgp 1", " bgp log-neighbor-changes"]],
    ...         [["router bgp 1", " bgp router-id 1.1.1.1", " bgp log-neighbor-changes",
    ...           " no bgp default ipv4-unicast"]])
    [['router bgp 1', ' bgp log-neighbor-changes']]
    """
    running, intended = parse(find(have)), find(want)
    if running is None or intended is None or running.header != intended[0]:
        return want
    present = set(running.top)

    def keep(line: str) -> bool:
        text = line.strip()
        return line != " " + text or not _PROCESS_SETTINGS.match(text) or text in present \
            or (text.startswith("bgp router-id ") and running.router_id() is not None)

    return [[line for line in s if keep(line)] if s is intended else s for s in want]


def yielding(have: list[list[str]], want: list[list[str]]) -> list[list[str]]:
    """`want` without the `network`s the operator has in another form (`network P mask
    M route-map RM`): IOS keeps one statement per prefix, so netorch's would replace
    theirs, which already originates the prefix.

    >>> yielding([["router bgp 1", " address-family ipv4", "  network 10.0.0.0 mask "
    ...            "255.0.0.0 route-map RM"]], [["router bgp 1", " address-family ipv4",
    ...            "  network 10.0.0.0 mask 255.0.0.0"]])
    [['router bgp 1', ' address-family ipv4']]
    """
    running, intended = parse(find(have)), find(want)
    if running is None or intended is None or running.header != intended[0]:
        return want
    theirs = running.networks()

    def keep(line: str) -> bool:
        m = _NETWORK.match(line.strip())
        return m is None or theirs.get((m[1], m[2]), line.strip()) == line.strip()

    return [[line for line in s if keep(line)] if s is intended else s for s in want]


def _neighbour(line: str) -> str | None:
    m = _NEIGHBOR.match(line)
    return m[1] if m else None


def view(running: list[str] | None, intended: list[str] | None,
         networks: set[tuple[str, str]]) -> list[str] | None:
    """netorch's part of the running `router bgp` (None: nothing), indented as IOS shows
    it: its neighbours' lines, the `network`s of `networks` (netorch's own), and lines
    equal to rendered ones (a shared `network` among them while it is rendered)."""
    have, want = parse(running), parse(intended) or Process("")
    if have is None or (want.header and want.header != have.header):
        return None  # another AS is a conflict: nothing in it is netorch's
    ours = have.marked() | set(want.neighbours())

    def keep(line: str, rendered: list[str]) -> bool:
        m = _NETWORK.match(line)
        return (line in rendered or _neighbour(line) in ours
                or (m is not None and (m[1], m[2]) in networks))

    out = [have.header, *(" " + t for t in have.top if keep(t, want.top))]
    for family, lines in have.families.items():
        kept = [line for line in lines if keep(line, want.families.get(family, []))]
        if kept or family in want.families:
            out += [" " + family, *("  " + line for line in kept)]
    return out if len(out) > 1 or want.header else None


def commands(current: list[str] | None, intended: list[str] | None) -> list[str]:
    """Commands (indented two spaces a level) turning netorch's view of the process
    (`view`) into the rendered one: stale neighbours go whole (`no neighbor X`, which IOS
    applies to every address family), then lines are removed and added."""
    want = parse(intended)
    have = parse(current) or Process(want.header if want else "")
    want = want or Process(have.header)
    if not have.header:
        return []
    gone = [n for n in have.neighbours() if n not in want.neighbours()]
    top = [f"no neighbor {n}" for n in gone]
    top += ["no " + t for t in have.top if t not in want.top and _keeps(t, gone, want)]
    top += [t for t in want.top if t not in have.top]
    body = ["  " + t for t in top]
    for family in dict.fromkeys([*want.families, *have.families]):
        old, new = have.families.get(family, []), want.families.get(family, [])
        sub = ["no " + t for t in old if t not in new and _keeps(t, gone, want)]
        sub += [t for t in new if t not in old]
        if sub or (family in want.families and family not in have.families):
            body += ["  " + family, *("    " + t for t in sub)]
    return [want.header, *body] if body else []


def _keeps(line: str, gone: list[str], want: Process) -> bool:
    """Whether `no LINE` is worth sending: not for a neighbour already removed whole, nor
    for the `remote-as` of a kept one (IOS would drop the neighbour; the new line
    overwrites it)."""
    name = _neighbour(line)
    if name in gone:
        return False
    return not (name and line.startswith(f"neighbor {name} remote-as ")
                and any(t.startswith(f"neighbor {name} remote-as ") for t in want.top))


def conflicts(running: list[str] | None, intended: list[str] | None) -> list[Conflict]:
    """Another AS, another router-id, or an operator neighbour on a netorch address."""
    have, want = parse(running), parse(intended)
    if have is None or want is None:
        return []
    if have.header != want.header:
        return [Conflict(have.header, f"the device already runs BGP AS {have.asn} "
                         f"(netorch would start AS {want.asn})",
                         f"set `asn: {have.asn}` on the device to join its BGP process")]
    found = []
    old, new = have.router_id(), want.router_id()
    if old and new and old != new:
        found.append(Conflict(f"{have.header} > bgp router-id {old}",
                              f"the BGP router-id is already {old} (netorch would set {new})",
                              f"set `router_id: {old}` on the device"))
    for name in [n for n in want.neighbours() if n in have.neighbours()]:
        if name not in have.marked():
            found.append(Conflict(
                f"{have.header} > neighbor {name}",
                f"BGP neighbour {name} is the operator's (no description starting "
                f"'{MARKER}'), and a netorch tunnel peer has this address",
                "choose a `pools.tunnels` for the fabric that does not hold this address"))
    return found
