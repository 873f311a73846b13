"""The simulator's zone-based firewall: the lines of object-groups, extended ACL entries,
inspect class-maps and policy-maps, zones and zone-pairs IOS-XE takes, how it stores
them, and the references it holds them to.

Forms (the IOS-XE 17.9 YANG models, YangModels/yang vendor/cisco/xe/1791:
Cisco-IOS-XE-object-group.yang, -acl.yang, -policy.yang, -zone.yang; the Cisco IOS XE
17 "Zone-Based Policy Firewalls" guide):
- `object-group network`: `A.B.C.D MASK`, `host A.B.C.D`, `range A B`, `group-object`,
  `description`; a /32 is shown as `host`;
- `object-group service`: `tcp|udp|tcp-udp [eq P | range P Q | gt P | lt P]`, `icmp`,
  `ip`, `esp`, `gre`, `ahp`, a protocol number; ports by number or IOS's names, shown by
  name (netorch/platforms/cisco_iosxe/ports.py);
- an extended ACL numbers its entries (10, 20, ...; `show running-config` prints them),
  and `no permit ...` removes an entry by its text;
- `class-map type inspect match-any|match-all`: `match access-group name X`, ...;
- `policy-map type inspect`: `class type inspect X` (an existing inspect class-map),
  `class class-default` (always there, last; `drop` until set), each class one action:
  `inspect [PARAMETER-MAP]`, `pass [log]`, `drop [log]`;
- `zone security NAME` (`default`: the default zone), `zone-pair security NAME source Z
  destination Z` (existing zones; `self` is built in) with `service-policy type inspect
  P`; an interface's `zone-member security Z`.

The refusals for a missing or a still-used object are modelled on IOS's behaviour (an
object must exist before a line names it and cannot go while named; an object-group an
ACL uses cannot be made empty: "You cannot remove an object group or make an object
group empty if it is used in an ACL", Cisco IOS XE 17 Security and VPN Configuration
Guide, "Object Groups for ACLs", m_sec_zbf_ogacl-xe.html), not copied from its messages,
which this simulator cannot know word for word.
"""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING

from netorch.platforms.cisco_iosxe import ports

if TYPE_CHECKING:
    from netorch.platforms.cisco_iosxe.sim_load import Node

STARTERS: dict[str, list[tuple[str, str]]] = {
    "config": [
        (r"^object-group network \S+$", "config-network-group"),
        (r"^object-group service \S+$", "config-service-group"),
        (r"^class-map type inspect (match-any |match-all )?\S+$", "config-cmap"),
        (r"^policy-map type inspect \S+$", "config-pmap"),
        (r"^zone security \S+$", "config-sec-zone"),
        (r"^zone-pair security \S+ source \S+ destination \S+$", "config-sec-zone-pair"),
    ],
    "config-pmap": [(r"^class (type inspect \S+|class-default)$", "config-pmap-c")],
}
KEYWORDS: dict[str, set[str]] = {
    "config-network-group": {"description", "host", "range", "group-object", "no"},
    "config-service-group": {"description", "tcp", "udp", "tcp-udp", "icmp", "ip", "esp",
                             "gre", "ahp", "group-object", "no"},
    "config-cmap": {"match", "description", "no"},
    "config-pmap": {"class", "description", "no"},
    "config-pmap-c": {"inspect", "pass", "drop", "no"},
    "config-sec-zone": {"description", "protection", "vpn", "no"},
    "config-sec-zone-pair": {"service-policy", "description", "no"},
}
MODES = set(KEYWORDS) | {"config-acl"}
_PORTED = {"tcp", "udp", "tcp-udp"}
_OPERATORS = {"eq": 1, "gt": 1, "lt": 1, "range": 2}


def _ipv4(word: str) -> bool:
    try:
        ipaddress.IPv4Address(word)
    except ValueError:
        return False
    return True


def _netmask(word: str) -> bool:
    try:
        ipaddress.IPv4Network(f"0.0.0.0/{word}")
    except ValueError:
        return False
    return True


def _port(protocol: str, word: str) -> bool:
    if protocol == "tcp-udp":
        return word.isdigit() and int(word) <= 65535
    return ports.number(protocol, word) is not None


def error_token(mode: str, words: list[str]) -> int | None:
    """Index of the word IOS would put its caret under in a firewall sub-mode, or None."""
    if mode == "config-acl":
        return _acl_error(words)
    if mode == "config-network-group" and _ipv4(words[0]):
        return None if len(words) == 2 and _netmask(words[1]) else 1
    if words[0] not in KEYWORDS.get(mode, set()) and not (
            mode == "config-service-group" and words[0].isdigit() and int(words[0]) < 256):
        return 0
    if mode == "config-network-group" and words[0] == "host":
        return None if len(words) == 2 and _ipv4(words[1]) else 1
    if mode == "config-service-group" and words[0] in _PORTED:
        return _ports_error(words)
    if mode == "config-pmap-c" and words[0] != "no":
        allowed = 2 if words[0] == "inspect" or words[1:2] == ["log"] else 1
        return None if len(words) <= allowed else len(words) - 1
    return None


def _ports_error(words: list[str]) -> int | None:
    if len(words) == 1:
        return None
    count = _OPERATORS.get(words[1])
    if count is None:
        return 1
    for index, word in enumerate(words[2:2 + count], start=2):
        if not _port(words[0], word):
            return index
    return None if len(words) <= 2 + count else 2 + count


def _acl_error(words: list[str]) -> int | None:
    start = 1 if words[0].isdigit() else 0
    if words[start:start + 1] not in (["permit"], ["deny"], ["remark"]) and words[0] != "no":
        return start
    return None


def incomplete(mode: str, words: list[str]) -> bool:
    """A firewall line IOS answers with `% Incomplete command.`"""
    if mode == "config-service-group" and words[0] in _PORTED and len(words) > 1:
        return len(words) < 2 + _OPERATORS.get(words[1], 0)
    if mode == "config-acl":
        return len(words) < (3 if words[0].isdigit() else 2)
    return mode in MODES and words[0] in ("description", "match", "service-policy") and \
        len(words) < 2


def _names(root: Node, head: str) -> set[str]:
    return {c.text.split()[-1] for c in root.children if c.text.startswith(head)}


def _zones(root: Node) -> set[str]:
    return _names(root, "zone security ") | {"self"}


def refusal(root: Node, mode: str, text: str) -> str | None:
    """IOS's answer to a line that names an object that is not there; None: accepted."""
    words = text.split()
    missing: list[tuple[str, str]] = []
    if text.startswith("zone-pair security "):
        missing = [("Zone", z) for z in (words[4], words[6]) if z not in _zones(root)]
    elif mode == "config-if" and words[:2] == ["zone-member", "security"] and len(words) > 2:
        missing = [("Zone", words[2])] if words[2] not in _zones(root) - {"self"} else []
    elif mode == "config-pmap" and words[:3] == ["class", "type", "inspect"]:
        known = _names(root, "class-map type inspect ")
        missing = [("Class-map", words[3])] if words[3] not in known else []
    elif mode == "config-sec-zone-pair" and words[:3] == ["service-policy", "type", "inspect"]:
        known = _names(root, "policy-map type inspect ")
        missing = [("Policy-map", words[3])] if words[3] not in known else []
    elif mode == "config-acl" and "object-group" in words:
        missing = _missing_groups(root, words)
    return f"% {missing[0][0]} {missing[0][1]} is not configured\n" if missing else None


def _missing_groups(root: Node, words: list[str]) -> list[tuple[str, str]]:
    """The object-groups an ACL entry names that are not there: right after the action
    a service group (`permit object-group SVC object-group SRC object-group DST`), then
    network groups."""
    action = next((i for i, w in enumerate(words) if w in ("permit", "deny")), 0)
    out = []
    for index, word in enumerate(words[:-1]):
        kind = "service" if index == action + 1 else "network"
        if word == "object-group" and words[index + 1] not in _names(
                root, f"object-group {kind} "):
            out.append(("Object-group", words[index + 1]))
    return out


# what names an object, by the head of the `no` that would remove it: {NAME} is its name
_REFERRERS = {
    "zone security ": (r"^zone-pair security \S+ source {NAME} destination \S+$",
                       r"^zone-pair security \S+ source \S+ destination {NAME}$",
                       r"^zone-member security {NAME}$"),
    "policy-map type inspect ": (r"^service-policy type inspect {NAME}$",),
    "class-map type inspect ": (r"^class type inspect {NAME}$",),
    "object-group ": (r"^(\d+ )?(permit|deny) .*\bobject-group {NAME}( |$)",),
}


def in_use(root: Node, words: list[str]) -> str | None:
    """IOS's answer to `no ...` of a firewall object something still names; None: it
    may go."""
    text = " ".join(words)
    head = next((h for h in _REFERRERS if text.startswith(h)), None)
    user = _user(root, head, words[-1]) if head is not None else None
    return f"% {words[-1]} is in use by {user}: remove that first\n" if user else None


def _user(root: Node, head: str, name: str) -> str | None:
    """The header of the first section that names the object `name` (of the kind whose
    removal starts with `head`); None: nothing does."""
    patterns = [re.compile(p.replace("{NAME}", re.escape(name))) for p in _REFERRERS[head]]
    for section in root.children:
        lines = [section.text, *(c.text for c in section.children)]
        if any(p.search(line) for p in patterns for line in lines):
            return section.text
    return None


def stored(node: Node, mode: str, text: str) -> str | None:
    """The line as IOS stores it (an ACL entry numbered, a /32 as `host`, ports by
    name), or None for a line it refuses (`_numbered`'s duplicate)."""
    words = text.split()
    if mode == "config-network-group" and len(words) == 2 and words[1] == "255.255.255.255":
        return f"host {words[0]}"
    if mode == "config-service-group" and words[0] in ("tcp", "udp") and len(words) > 2:
        return " ".join([*words[:2], *(ports.named(words[0], w) for w in words[2:])])
    if mode == "config-acl" and words[0] != "remark":
        return _numbered(node, ports.acl_named(" ".join(words)).split())
    return text


def _numbered(node: Node, words: list[str]) -> str | None:
    used = [int(w[0]) for c in node.children if (w := c.text.split()) and w[0].isdigit()]
    if words[0].isdigit():
        return None if int(words[0]) in used else " ".join(words)
    return " ".join([str((max(used, default=0) // 10 + 1) * 10), *words])


def remove_entry(node: Node, mode: str, words: list[str]) -> bool:
    """`no permit ...` / `no 20` in an ACL: the entry with that text or number goes.
    False: not an ACL entry (removed the ordinary way)."""
    if mode != "config-acl" or not words or words[0] == "remark":
        return False
    text = ports.acl_named(" ".join(words))  # `no ... eq 179` removes `... eq bgp`
    for child in list(node.children):
        seq, _, body = child.text.partition(" ")
        if text in (child.text, body) or words == [seq]:
            node.children.remove(child)
    return True


_GROUPS = {"config-network-group": "network", "config-service-group": "service"}


def emptied(root: Node, node: Node, mode: str, words: list[str]) -> str | None:
    """IOS's answer to `no ENTRY` in an object-group that would leave an object-group an
    ACL uses with no entry ("You cannot remove an object group or make an object group
    empty if it is used in an ACL": Cisco IOS XE 17, "Object Groups for ACLs",
    m_sec_zbf_ogacl-xe.html); None: it may go (a description, or entries remain)."""
    if mode not in _GROUPS or not words or words[0] == "description":
        return None
    entries = [c.text for c in node.children
               if not c.comment and not c.text.startswith("description ")]
    text = " ".join(words)
    left = [e for e in entries if e != text and not e.startswith(text + " ")]
    if entries and left:
        return None
    name = node.text.split()[-1]
    user = _user(root, "object-group ", name)
    return f"% Object-group {name} is used by {user}: it cannot be made empty\n" \
        if user else None


def enter(node: Node, mode: str, text: str) -> Node | None:
    """The sub-mode node for `text` where IOS keeps it: a new inspect policy-map starts
    with `class class-default` (`drop`), and a new class goes before it. None: the
    ordinary place (the end)."""
    from netorch.platforms.cisco_iosxe.sim_load import Node  # noqa: PLC0415 - lazy: cycle

    if mode == "config-pmap" and node.find(text) is None:
        pmap = node.add(text)
        pmap.children.append(Node("class class-default", [Node("drop")]))
        return pmap
    if mode == "config-pmap-c" and node.find(text) is None and text != "class class-default":
        default = node.find("class class-default")
        child = Node(text)
        node.children.insert(node.children.index(default) if default else len(node.children),
                             child)
        return child
    return None


def class_map_header(text: str) -> str:
    """`class-map type inspect NAME` as IOS shows it (match-all when not said).

    >>> class_map_header("class-map type inspect c1")
    'class-map type inspect match-all c1'
    """
    words = text.split()
    if words[:3] == ["class-map", "type", "inspect"] and len(words) == 4:
        return " ".join([*words[:3], "match-all", words[3]])
    return text
