"""The simulated SRX's grammar and commit check for security policies, address books,
applications and the route-filter-lists routing policies name.

Grammar (a word outside it is a syntax error at that word), from Juniper's references:
- `security policies from-zone Z to-zone Z policy P` (P: 1 to 63 characters) with
  `description TEXT`, `match (source-address | destination-address | application |
  ...) NAME`, `then (permit | deny | reject | count | log (session-init |
  session-close))` and `scheduler-name`
  (the [edit security policies] hierarchy:
  https://juniper.net/documentation/en_US/junos13.2/topics/reference/statement-hierarchy/security-hierarchy-policies.html);
  the rest of `security policies` (global policies, default-policy, ...) is not checked;
- `security address-book BOOK address NAME PREFIX` (a prefix with no bits set past its
  length: "1.2.3.4/24 is not acceptable", Juniper, "Understanding Address Books"),
  `... address NAME (dns-name | range-address | wildcard-address | description) ...`,
  `address-set NAME (address | address-set) NAME` (NAME: 1 to 63 characters);
- `applications application NAME` with the leaves of Juniper's Junos YANG module
  junos-es-conf-applications (22.3R1): protocol, destination-port / source-port (a port
  number, a `LOW-HIGH` range or a port name of Juniper's table), description, term, ...;
  `applications application-set NAME (application | application-set) NAME`; names of 1
  to 63 characters (the module's `length "1 .. 63"`).
The 63-character limits are those of Juniper's Junos YANG (24.4R1, github.com/Juniper/yang):
junos-es-conf-security `policy_type`, `address_type`, `address_set_type`, and
junos-es-conf-applications `application_object` and `application-set`, each `length
"1 .. 63"`; a longer name is refused at the word (the simulator's rendering of it).
Deleting a path checks the words it has (a shorter path is a whole object).

Commit check (Junos refuses a configuration that names an object it does not have; the
wording here is the simulator's own): a security policy's address or application that
no address book or `applications` defines (`any`, `any-ipv4`, `any-ipv6`, `junos-*` are
Junos's own), an address-set or application-set member likewise, and a policy-statement
term `from route-filter-list` naming a list without entries (a list is made by its
entries, so an "empty" one does not exist). And a zone's own address book (`security
zones security-zone Z address-book ...`) beside any `security address-book` (global or
attached): "If a global address book is defined, you cannot create zone-based address
books" (Juniper, "NAT Global Address Book Overview", Junos Space Security Director,
https://www.juniper.net/documentation/en_US/junos-space22.2/topics/concept/junos-space-nat-global-address-book-overview.html);
Junos's commit prints "Zone specific address books are not allowed when there are global
address books defined" under `[edit security zones security-zone Z]` (as quoted in
"Address Books Explained", https://rtodto.net/address-books-explained/).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable

Node = dict[str, "Node"] | str
_TEXT, _FLAG, _REST = "<text>", "<flag>", "<rest>"  # the rest of the line; nothing; unchecked

# Juniper, "destination-port" (Applications), Table 4: port names services interfaces take.
_PORT_NAMES = frozenset((
    "afs", "bgp", "biff", "bootpc", "bootps", "cmd", "cvspserver", "dhcp", "domain",
    "eklogin", "ekshell", "excc", "finger", "ftp", "ftp-data", "http", "https", "ident",
    "imap", "kerberos-sec", "klogin", "kpasswd", "krb-prop", "krbupdate", "kshell", "ldap",
    "ldp", "login", "mobileip-agent", "mobilip-mn", "msdp", "netbios-dgm", "netbios-ns",
    "netbios-ssn", "nfsd", "nntp", "ntalk", "ntp", "pop3", "pptp", "printer", "radacct",
    "radius", "rip", "rkinit", "smtp", "snmp", "snmp-trap", "snpp", "socks", "ssh",
    "sunrpc", "syslog", "tacacs", "tacacs-ds", "talk", "telnet", "tftp", "timed", "who",
    "xdmcp"))
_PROTOCOLS = frozenset(("ah", "egp", "esp", "gre", "icmp", "icmp6", "igmp", "ipip", "ospf",
                        "pim", "rsvp", "sctp", "tcp", "udp", "vrrp"))


def _name(word: str) -> bool:
    return bool(word) and not word.startswith("-")


def _name63(word: str) -> bool:
    return _name(word) and len(word) <= 63


def _prefix(word: str) -> bool:
    try:
        ipaddress.ip_network(word, strict=True)
    except ValueError:
        return False
    return True


def _port(word: str) -> bool:
    """A port, a `LOW-HIGH` range (LOW <= HIGH) or a named port.

    >>> [_port(w) for w in ("443", "8443-8444", "8444-8443", "70000", "https", "web")]
    [True, True, False, False, True, False]
    """
    if word in _PORT_NAMES:
        return True
    m = re.fullmatch(r"(\d{1,5})(?:-(\d{1,5}))?", word)
    if m is None:
        return False
    low, high = int(m[1]), int(m[2] or m[1])
    return low <= high <= 65535


def _protocol(word: str) -> bool:
    return word in _PROTOCOLS or (word.isdigit() and int(word) <= 255)


_VALUES: dict[str, Callable[[str], bool]] = {
    "<name>": _name, "<name63>": _name63, "<prefix>": _prefix, "<port>": _port,
    "<protocol>": _protocol}


def _leaves(keys: tuple[str, ...], value: Node) -> dict[str, Node]:
    return dict.fromkeys(keys, value)


_POLICY: Node = {
    "description": _TEXT, "scheduler-name": "<name>",
    "match": _leaves((
        "source-address", "destination-address", "application", "source-identity",
        "dynamic-application", "url-category", "source-end-user-profile"), "<name>")
    | {"source-address-excluded": _FLAG, "destination-address-excluded": _FLAG},
    "then": {"permit": _REST, "deny": _FLAG, "reject": _REST, "count": _REST,
             "log": {"session-init": _FLAG, "session-close": _FLAG}},
}
_ADDRESS: Node = {"<prefix>": _FLAG, "dns-name": _REST, "range-address": _REST,
                  "wildcard-address": _REST, "description": _TEXT}
_APPLICATION: Node = _leaves((
    "application-protocol", "ether-type", "icmp-type", "icmp6-type", "icmp-code",
    "icmp6-code", "rpc-program-number", "uuid", "inactivity-timeout"), "<name>") | {
    "protocol": "<protocol>", "destination-port": "<port>", "source-port": "<port>",
    "description": _TEXT, "term": _REST, "do-not-translate-AAAA-query-to-A-query": _FLAG,
    "do-not-translate-A-query-to-AAAA-query": _FLAG}
_GRAMMAR: dict[tuple[str, ...], Node] = {
    ("security", "policies", "from-zone"): {
        "<name>": {"to-zone": {"<name>": {"policy": {"<name63>": _POLICY}}}}},
    ("security", "address-book"): {"<name>": {
        "address": {"<name63>": _ADDRESS},
        "address-set": {"<name63>": {"address": "<name>", "address-set": "<name>",
                                   "description": _TEXT}},
        "description": _TEXT, "attach": _REST}},
    ("applications",): {
        "application": {"<name63>": _APPLICATION},
        "application-set": {"<name63>": {"application": "<name63>",
                                         "application-set": "<name63>",
                                         "description": _TEXT}}},
}


def policy_bad_token(words: list[str]) -> int | None:
    """Index (within `VERB ...`) of the word Junos would reject in a statement under one
    of the hierarchies above (None: fine, or not such a statement). An `insert` is
    `sim_order`'s to check."""
    if words[0] == "insert":
        return None
    for head, node in _GRAMMAR.items():
        if tuple(words[1:1 + len(head)]) == head:
            return _walk(words, 1 + len(head), node)
    return None


def _walk(words: list[str], index: int, node: Node) -> int | None:
    while index < len(words):
        if node in (_TEXT, _REST):
            return None
        if node == _FLAG:
            return index
        if isinstance(node, str):  # one value, then nothing more
            return index if not _VALUES[node](words[index]) else (
                index + 1 if index + 1 < len(words) else None)
        word = words[index]
        found = node.get(word)
        if found is None:
            found = next((child for key, child in node.items()
                          if key in _VALUES and _VALUES[key](word)), None)
        if found is None:
            return index
        node, index = found, index + 1
    return None


# --- commit check -----------------------------------------------------------------------

_BUILTIN_ADDRESSES = {"any", "any-ipv4", "any-ipv6"}
_BOOK = re.compile(r"security (?:address-book \S+|zones security-zone \S+ address-book) "
                   r"(address|address-set) (\S+)(?: (address|address-set) (\S+))?")
_APP = re.compile(r"applications (application|application-set) (\S+)"
                  r"(?: (application|application-set) (\S+))?")
_MATCH = re.compile(r"(security policies from-zone \S+ to-zone \S+ policy \S+) match "
                    r"(source-address|destination-address|application) (\S+)$")
_RFL_USE = re.compile(r"(policy-options policy-statement \S+(?: term \S+)?) from "
                      r"route-filter-list (\S+)$")
_RFL = re.compile(r"policy-options route-filter-list (\S+) \S+")
_ZONE_BOOK = re.compile(r"security zones security-zone (\S+) address-book ")
ZONE_BOOKS = ("Zone specific address books are not allowed when there are global address "
              "books defined")


def policy_problems(effect: list[str]) -> list[str]:
    """What Junos's commit check refuses among the statements in effect: references to
    addresses, applications and route-filter-lists the configuration does not define,
    and zone address books beside global ones."""
    defined = {"address": {m[2] for e in effect if (m := _BOOK.match(e))},
               "application": {m[2] for e in effect if (m := _APP.match(e))},
               "route-filter-list": {m[1] for e in effect if (m := _RFL.match(e))}}
    out: dict[str, None] = dict.fromkeys(_mixed_books(effect))
    for where, statement, kind, name in filter(None, map(_reference, effect)):
        if not _known(name, defined[kind], kind):
            out[f"[edit {where}]\n  '{statement}'\n    Referenced {kind} {name} is not "
                "defined\n"] = None
    return list(out)


def _reference(entry: str) -> tuple[str, str, str, str] | None:
    """(where, the statement there, kind, name) of the object `entry` names, if any."""
    if m := _MATCH.match(entry):
        kind = "application" if m[2] == "application" else "address"
        return f"{m[1]} match", f"{m[2]} {m[3]}", kind, m[3]
    if (m := _BOOK.match(entry) or _APP.match(entry)) and m[3]:
        kind = "application" if m[3].startswith("application") else "address"
        return entry.rsplit(" ", 2)[0], f"{m[3]} {m[4]}", kind, m[4]
    if m := _RFL_USE.match(entry):
        return f"{m[1]} from", f"route-filter-list {m[2]}", "route-filter-list", m[2]
    return None


def _known(name: str, defined: set[str], kind: str) -> bool:
    if name in defined:
        return True
    if kind == "application":
        return name == "any" or name.startswith("junos-")
    return kind == "address" and name in _BUILTIN_ADDRESSES


def _mixed_books(effect: list[str]) -> list[str]:
    """A zone's own address book while `security address-book` has any (global or
    attached): one refusal per such zone."""
    if not any(e.startswith("security address-book ") for e in effect):
        return []
    zones = dict.fromkeys(m[1] for e in effect if (m := _ZONE_BOOK.match(e)))
    return [f"[edit security zones security-zone {zone}]\n    {ZONE_BOOKS}\n"
            for zone in zones]
