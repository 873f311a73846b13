"""IOS-XE commands in an order IOS accepts, typed as in a terminal (see
`netorch.platforms.cisco_iosxe.config`): entries replaced in place first, then additions, then
BGP, then removals, referrers first (`REMOVE_ORDER`), each sub-mode left with `exit`."""

from __future__ import annotations

import re

from netorch.platforms.cisco_iosxe import PLATFORM, routes

# A zone-pair refers to its zones and its policy-map, a policy-map to its class-maps, a
# class-map to its ACL, an ACL to its object-groups (a zone's members, the tunnels, have
# left it by then: `no zone-member security` is a change inside the interface, sent first).
REMOVE_ORDER = ("no interface ", "no zone-pair security ", "no zone security ",
                "no policy-map type inspect ", "no class-map type inspect ",
                "no ip access-list extended ", "no object-group ",
                "no crypto ipsec profile ", "no crypto ikev2 profile ",
                "no crypto ikev2 keyring ", "no crypto ikev2 policy ",
                "no crypto ikev2 proposal ", "no crypto ipsec transform-set ", "no route-map ",
                "no ip prefix-list ", "no ip route ")


# IOS refuses to make an object-group an ACL uses empty ("You cannot remove an object
# group or make an object group empty if it is used in an ACL": Cisco IOS XE 17 Security
# and VPN Configuration Guide, "Object Groups for ACLs", cisco.com/c/en/us/td/docs/routers/
# ios/config/17-x/sec-vpn/b-security-vpn/m_sec_zbf_ogacl-xe.html): inside netorch's
# object-groups the new entries go in before the old ones go, so a group whose every
# entry changes (a site renumbered) is never empty on the way.
_GROUP = re.compile(rf"^object-group (network|service) {re.escape(PLATFORM.owned['prefix'])}\S+$")


def additions_first(block: list[str]) -> list[str]:
    """A changed section as sent: in netorch's object-groups, its entries' negations after
    the additions (a `no description` keeps its place, before the new description).

    >>> additions_first(["object-group network netorch-a", "  no host 10.0.0.1",
    ...                  "  host 10.0.0.2"])
    ['object-group network netorch-a', '  host 10.0.0.2', '  no host 10.0.0.1']
    """
    if not _GROUP.match(block[0]):
        return block
    later = [line for line in block[1:] if line.lstrip().startswith("no ")
             and not line.lstrip().startswith("no description")]
    return [block[0], *(line for line in block[1:] if line not in later), *later]


def _blocks(lines: list[str]) -> list[list[str]]:
    out: list[list[str]] = []
    for line in lines:
        if line.startswith(" ") and out:
            out[-1].append(line)
        else:
            out.append([line])
    return out


def _rank(line: str) -> int:
    return next((i for i, p in enumerate(REMOVE_ORDER) if line.startswith(p)),
                len(REMOVE_ORDER))


def _replaces(line: str, rendered: set[str]) -> bool:
    """Whether a top-level `no` removes one entry of a list or map netorch keeps (an entry
    it changes), rather than an object that goes: such a removal is sent first.

    >>> _replaces("no ip prefix-list netorch-a seq 5 permit 1.0.0.0/8",
    ...           {"ip prefix-list netorch-a seq 5 permit 2.0.0.0/8"})
    True
    """
    words = line.split()
    name = " ".join(words[1:4] if words[1] == "ip" else words[1:3])
    return words[1:3] in (["ip", "prefix-list"], ["route-map", words[2]]) and any(
        r.startswith(name + " ") for r in rendered)


def ordered(remediation: list[str], routing: list[str], rendered: set[str]) -> list[str]:
    """hier_config's remediation and the BGP commands, in an order IOS accepts: entries
    replaced in place first, then what is added or changed (in rendered order, referenced
    objects first; in an object-group, new entries before old ones go), then BGP, then
    removals, each referrer before what it refers to. A route a rendered one replaces in
    place (same prefix, mask and next hop) is not removed.

    >>> ordered(["no crypto ipsec profile netorch-T3", "no interface Tunnel3", "ip x"], [],
    ...         set())
    ['ip x', 'no interface Tunnel3', 'no crypto ipsec profile netorch-T3']
    """
    blocks = _blocks(remediation)
    blocks = [b for b in blocks if not routes.replaced(b[0], rendered)]
    removal = [b for b in blocks if b[0].startswith("no ") and not _replaces(b[0], rendered)]
    first = [b for b in blocks if b[0].startswith("no ") and b not in removal]
    changes = [additions_first(b) for b in blocks if not b[0].startswith("no ")]
    removal.sort(key=lambda b: _rank(b[0]))
    return [line for b in (*first, *changes, *_blocks(routing), *removal) for line in b]


def with_exits(lines: list[str], *, close: bool = False) -> list[str]:
    """Indented remediation lines as typed: an `exit` for each level left, no indent.

    Explicit exits keep a `no ...` line meant for global config from being taken by
    the sub-mode the previous section left open. The caller drops hier_config's own
    `exit-address-family`: counted as a level here, it would take one `exit` too many
    and leave configuration mode (the lines after it then land in exec mode).

    With `close`, the sub-modes still open at the end are left too (global config is
    where the next command, typed after these, belongs).

    >>> with_exits(["router bgp 1", "  address-family ipv4", "    network 10.0.0.0", "no x"])
    ['router bgp 1', 'address-family ipv4', 'network 10.0.0.0', 'exit', 'exit', 'no x']
    >>> with_exits(["router bgp 1", "  bgp log-neighbor-changes"], close=True)
    ['router bgp 1', 'bgp log-neighbor-changes', 'exit']
    """
    levels = [(len(line) - len(line.lstrip(" "))) // 2 for line in lines]
    out: list[str] = []
    depth = 0
    for index, line in enumerate(lines):
        out += ["exit"] * max(0, depth - levels[index])
        opens = index + 1 < len(lines) and levels[index + 1] > levels[index]
        depth = levels[index] + 1 if opens else levels[index]
        out.append(line.strip())
    return out + ["exit"] * (depth if close else 0)
