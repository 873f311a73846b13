"""A simulated FortiGate (FortiOS 7.2): `config` / `edit` / `set` / `next` / `end` trees.

It loads a complete configuration as `show` / `show full-configuration` prints it (the
parser it shares with the deploy logic, `netorch.platforms.fortinet_fortios.parse`: every
table, nested blocks, VDOM mode, values over several lines) and prints it back line for
line; a line it cannot place is a `ConfigParseError` naming it. Its CLI takes what
netorch sends: in VDOM mode `config global` and `config vdom` / `edit VDOM` first, as
on a real FortiGate, where a top-level `config router bgp` is refused.

Like FortiOS it creates a phase1-interface's tunnel interface (`system interface`,
`set type tunnel`) and removes it with the phase1, and refuses to delete an object
another entry still names ("The entry is used by other N entries"), so removals out
of dependency order fail here as they would on the box. A firewall policy or address
group naming an address, service or interface that does not exist is refused ("entry
not found in datasource"; FortiOS's predefined "all", "ALL" and "any" always exist),
and `move ID before|after ID` reorders the policy list (Fortinet KB 197353), the only
table here where order counts.

A value in quotes over several lines (a PEM certificate, CRL or key) is taken line by
line behind a `> ` prompt and used whole once its quote closes; `vpn certificate`
values are checked and stored as FortiOS keeps them (`sim_pki`).

FortiOS has no candidate configuration: a `set` takes effect when typed, so netorch
keeps the configuration it found and restores it itself when a push fails.
"""

from __future__ import annotations

import ipaddress
import re
import shlex
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from netorch.platforms.fortinet_fortios import sim_pki
from netorch.platforms.fortinet_fortios import sim_state as state
from netorch.platforms.fortinet_fortios.parse import MAX_DEPTH, parse, quote_open
from netorch.platforms.fortinet_fortios.sim_pki import encrypt
from netorch.platforms.fortinet_fortios.tree import Node, render, split
from netorch.sim.base import CliSession, Reply, SimDevice

_PROPOSAL = re.compile(r"^(aes128|aes192|aes256|aes128gcm|aes256gcm|chacha20poly1305|3des|des)"
                       r"(-(prf)?(sha1|sha256|sha384|sha512|md5))?$")
_DH = {"1", "2", "5", "14", "15", "16", "17", "18", "19", "20", "21", "27", "28", "29", "30",
       "31", "32"}
_TOP = re.compile(r"[a-z0-9-]+( [a-z0-9-]+)+")  # top-level tables: `system interface`, ...
_NESTED = re.compile(r'[a-z0-9-]+( "[^"]*")?')  # nested: `neighbor`, `redistribute "ospf"`
FAIL_61 = "Command fail. Return code -61\n"
SECRETS = {"psksecret", "psksecret-remote", "password", "passwd"}
PHASE1 = "vpn ipsec phase1-interface"
# tables whose entries other entries name (phase2 -> phase1, policy -> address, ...)
REFERABLE = frozenset({PHASE1, "router route-map", "router prefix-list", "firewall address",
                       "firewall addrgrp", "system zone", "user peer", "system interface",
                       "firewall service custom", *sim_pki.TABLES})
# tables whose entries FortiOS matches in list order: `move ID before|after ID` (Fortinet
# KB 197353); elsewhere `move` is not a command
ORDERED = frozenset({"firewall policy"})
# tables whose new entries FortiOS gives a UUID (`set uuid`, "automatically assigned":
# FortiOS CLI Reference, config firewall policy / address / addrgrp)
WITH_UUID = frozenset({"firewall policy", "firewall address", "firewall addrgrp"})
_NOT_REFERENCES = frozenset({"comments", "comment", "description", "name", "alias"})
# settings that name other objects, which FortiOS refuses unless they exist ("entry not
# found in datasource"): (table, setting) -> (the tables they may be in, the factory
# objects every FortiGate has: the address "all", the service "ALL", the interface "any")
_ADDRESSES = ("firewall address", "firewall addrgrp")
_SERVICES = ("firewall service custom", "firewall service group")
_INTERFACES = ("system zone", "system interface")
DATASOURCES: dict[tuple[str, str], tuple[tuple[str, ...], frozenset[str]]] = {
    ("firewall policy", "srcaddr"): (_ADDRESSES, frozenset({"all"})),
    ("firewall policy", "dstaddr"): (_ADDRESSES, frozenset({"all"})),
    ("firewall policy", "service"): (_SERVICES, frozenset({"ALL"})),
    ("firewall policy", "srcintf"): (_INTERFACES, frozenset({"any"})),
    ("firewall policy", "dstintf"): (_INTERFACES, frozenset({"any"})),
    ("firewall addrgrp", "member"): (_ADDRESSES, frozenset()),
}


def _port_range(word: str) -> bool:
    """A service port range as FortiOS takes it: LOW[-HIGH][:SRCLOW[-SRCHIGH]], 0-65535,
    low not above high (FortiOS CLI Reference, config firewall service custom)."""
    ranges = [r.split("-") for r in word.split(":")]
    return len(ranges) <= 2 and all(
        1 <= len(r) <= 2 and all(p.isdigit() and int(p) <= 65535 for p in r)
        and int(r[0]) <= int(r[-1]) for r in ranges)


# values FortiOS refuses in the tables netorch writes its policy to (FortiOS 7.4.6 CLI
# Reference: config firewall policy, config firewall service custom)
_TABLE_CHECKS: dict[tuple[str, str], Callable[[str], bool]] = {
    ("firewall policy", "action"): lambda w: w in ("accept", "deny", "ipsec"),
    ("firewall policy", "logtraffic"): lambda w: w in ("all", "utm", "disable"),
    ("firewall policy", "name"): lambda w: len(w) <= 35,
    ("firewall service custom", "protocol"): lambda w: w in (
        "TCP/UDP/SCTP", "ICMP", "ICMP6", "IP", "HTTP", "FTP", "CONNECT", "SOCKS-TCP",
        "SOCKS-UDP", "ALL"),
    ("firewall service custom", "tcp-portrange"): _port_range,
    ("firewall service custom", "udp-portrange"): _port_range,
}


def bad_value(attr: str, words: list[str], table: str = "") -> str | None:
    checks = {"proposal": lambda w: bool(_PROPOSAL.match(w)), "dhgrp": lambda w: w in _DH,
              "ike-version": lambda w: w in ("1", "2")}
    check = _TABLE_CHECKS.get((table, attr)) or checks.get(attr)
    return next((w for w in words if check and not check(w)), None)


class _LiveView:
    """The flat tables `state` reads (tunnels, interfaces, BGP), in either mode."""

    def __init__(self, node: Node) -> None:
        self.node = node
        self.settings = node.settings

    @property
    def children(self) -> dict[str, _LiveView]:
        return {path: _LiveView(table) for path, table in self.node.tables.items()}

    def table(self, path: str) -> dict[str, Node]:
        found = self.node.tables.get(path)
        return found.entries if found else {}


class FortiOsDevice(SimDevice):
    platform = "fortinet_fortios"

    def __init__(self, name: str, **kwargs: str) -> None:
        super().__init__(name, **kwargs)
        self.tree = Node()
        self.extra_sas: list[tuple[str, str, str]] = []
        self.soft_resets: list[str] = []  # each `execute router clear bgp` accepted
        self.load_text(f'config system global\n    set hostname "{name}"\nend\n'
                       'config system interface\n    edit "port1"\n'
                       "        set mode dhcp\n    next\nend\n")

    @property
    def vdom_mode(self) -> bool:
        return "vdom" in self.tree.tables or "global" in self.tree.tables

    @property
    def root(self) -> _LiveView:
        """The configuration `state` reads: the root VDOM's, with the global interfaces."""
        if not self.vdom_mode:
            return _LiveView(self.tree)
        vdoms = self.tree.tables.get("vdom", Node()).entries
        inside = vdoms.get("root") or next(iter(vdoms.values()), Node())
        glob = self.tree.tables.get("global", Node())
        return _LiveView(Node(tables={**inside.tables, **glob.tables}))

    def interfaces(self) -> Node:
        """`system interface`: global in VDOM mode."""
        scope = self.tree.table("global") if self.vdom_mode else self.tree
        return scope.table("system interface")

    def session(self) -> CliSession:
        return FortiOsSession(self)

    def running_text(self) -> str:
        return "\n".join(render(self.tree, raw=True)) + "\n"

    def load_text(self, text: str) -> None:
        self.tree = parse(text)  # a line it cannot place: ConfigParseError


@dataclass
class _Frame:
    label: str
    node: Node
    kind: str  # table | entry | vdoms (in `config vdom`) | vdom (in one VDOM) | global
    path: str = ""


class FortiOsSession(CliSession):
    device: FortiOsDevice

    def __init__(self, device: FortiOsDevice) -> None:
        super().__init__(device)
        self.stack: list[_Frame] = []
        self.pending: list[str] = []  # the lines of a quoted value still open

    def prompt(self) -> str:
        if self.pending:
            return "> "  # FortiOS waits for the rest of a quoted value (Fortinet KB 198661)
        where = f" ({self.stack[-1].label})" if self.stack else ""
        return f"{self.device.name}{where} # "

    def handle(self, line: str) -> Reply:
        """One line typed; a value in quotes over several lines (a PEM certificate) is
        taken whole when its closing quote comes."""
        text = line.rstrip() if self.pending else line.strip()
        if self.pending or (text.startswith("set ") and quote_open(text)):
            self.pending.append(text)
            if quote_open("\n".join(self.pending)):
                return Reply()
            text, self.pending = "\n".join(self.pending), []
        if not text or text.startswith("#"):
            return Reply()
        try:
            words = shlex.split(text)
        except ValueError:
            return _parse_error(text.split()[0])
        kind = self.stack[-1].kind if self.stack else "top"
        if kind in ("table", "entry"):
            return self._config(text, words)
        return self._context(kind, text, words)

    def _context(self, kind: str, text: str, words: list[str]) -> Reply:
        """Top level, `config vdom`, inside a VDOM, or `config global`."""
        verb = words[0]
        if verb == "end" and self.stack:
            del self.stack[-2 if kind == "vdom" else -1:]
            return Reply()
        if kind == "vdom" and verb == "next":
            self.stack.pop()
            return Reply()
        if kind == "vdoms":
            return self._vdom(words)
        if verb == "config" and len(words) == 2 and words[1] in ("vdom", "global") \
                and kind == "top" and self.device.vdom_mode:
            node = self.device.tree.table(words[1])
            self.stack.append(_Frame(words[1], node, "vdoms" if words[1] == "vdom" else "global"))
            return Reply()
        if verb == "config" and kind == "top" and self.device.vdom_mode:
            return _parse_error(words[1] if len(words) > 1 else "")  # global or a VDOM first
        if verb == "config":
            return self._enter(" ".join(words[1:]), self._scope(), top=True)
        return self._exec(text)

    def _vdom(self, words: list[str]) -> Reply:
        if words[0] == "edit" and len(words) == 2:
            node = self.stack[-1].node.entry(words[1], words[1])
            self.stack.append(_Frame(words[1], node, "vdom"))
            return Reply()
        return _parse_error(words[0])

    def _scope(self) -> Node:
        """The node top-level tables live in here: the root, a VDOM or `config global`."""
        return next((f.node for f in reversed(self.stack) if f.kind in ("vdom", "global")),
                    self.device.tree)

    def _exec(self, text: str) -> Reply:
        mode = "enable" if self.device.vdom_mode else "disable"
        status = (f"Version: FortiGate-VM64 v7.2.5,build1517,230606 (GA.F)\n"
                  f"Virtual domain configuration: {mode}\nHostname: {self.device.name}\n")
        if text == "get system status":
            return Reply(status)
        if text == "get system status | grep Version":
            return Reply(status.splitlines()[0] + "\n")
        if text == "get system console":
            return Reply("output              : standard\n")
        if text in ("show", "show full-configuration"):
            shown = "\n".join(render(self._scope())) + "\n"
            return Reply(self.device.running_text() if not self.stack else shown)
        if text in ("exit", "quit"):
            return Reply(action="drop")
        if text.startswith("execute router clear bgp "):
            return self._clear_bgp(text.split())
        shown_state = state.fortios_show(self.device, text)
        if shown_state is not None:
            return Reply(shown_state)
        return Reply(f"Unknown action 0\n{FAIL_61}")

    def _clear_bgp(self, words: list[str]) -> Reply:
        """`execute router clear bgp ip ADDRESS soft [in|out]`: a route refresh, recorded
        in `device.soft_resets` (with the VDOM in VDOM mode, where it runs only inside
        one); anything else is refused at the first wrong word (a hard reset is not
        modelled)."""
        vdom = next((f.label for f in self.stack if f.kind == "vdom"), None)
        if self.device.vdom_mode and vdom is None:
            return _parse_error("router")  # FortiOS runs routing commands in a VDOM
        checks = (words[4:5] == ["ip"], _ipv4(words[5] if len(words) > 5 else ""),
                  words[6:7] == ["soft"], len(words) <= 7 or words[7] in ("in", "out"),
                  len(words) <= 8)
        bad = next((i for i, ok in enumerate(checks) if not ok), None)
        if bad is not None:
            return _parse_error(words[4 + bad] if 4 + bad < len(words) else "")
        self.device.soft_resets.append(" ".join(([f"[{vdom}]"] if vdom else []) + words))
        return Reply()

    def _enter(self, path: str, node: Node, top: bool) -> Reply:
        if not (_TOP if top else _NESTED).fullmatch(path) or len(self.stack) >= MAX_DEPTH:
            return _parse_error(path.split(maxsplit=1)[0] if path else "")
        self.stack.append(_Frame(path.rsplit(maxsplit=1)[-1], node.table(path), "table", path))
        return Reply()

    def _config(self, text: str, words: list[str]) -> Reply:
        frame = self.stack[-1]
        verb, node = words[0], frame.node
        if verb == "end":
            self.stack.pop()
            if frame.kind == "entry":
                self.stack.pop()
            return Reply()
        if verb == "next" and frame.kind == "entry":
            self.stack.pop()
            return Reply()
        if verb == "config":
            return self._enter(" ".join(words[1:]), node, top=False)
        if verb in ("edit", "delete") and len(words) == 2 and frame.kind == "table":
            return self._edit(frame, words[1]) if verb == "edit" else self._delete(frame, words[1])
        if verb == "move" and frame.kind == "table" and frame.path in ORDERED:
            return _move(frame.node, words[1:])
        if verb == "unset" and len(words) == 2:
            node.settings.pop(words[1], None)
            return Reply()
        if verb == "set" and len(words) >= 3 and re.fullmatch(r"[a-z0-9-]+", words[1]):
            table = self.stack[-2].path if frame.kind == "entry" and len(self.stack) > 1 \
                else frame.path
            return self._set(node, words[1], text.split(None, 2)[2], words[2:], table)
        if verb in ("show", "get"):
            return Reply("\n".join(render(node)) + "\n")
        return _parse_error(verb)

    def _edit(self, frame: _Frame, name: str) -> Reply:
        fresh = name not in frame.node.entries
        entry = frame.node.entry(name)
        if fresh and frame.path == PHASE1:
            tunnel = self.device.interfaces().entry(name)
            tunnel.put("vdom", f'"{self._vdom_name()}"')
            tunnel.put("type", "tunnel")
        if fresh and frame.path in WITH_UUID:  # FortiOS assigns one; `show` prints it
            entry.put("uuid", str(uuid.uuid5(uuid.NAMESPACE_URL,
                                             f"{self.device.name}/{frame.path}/{name}")))
        self.stack.append(_Frame(name, entry, "entry"))
        return Reply()

    def _vdom_name(self) -> str:
        return next((f.label for f in self.stack if f.kind == "vdom"), "root")

    def _delete(self, frame: _Frame, name: str) -> Reply:
        if name not in frame.node.entries:
            return Reply(f"entry not found in datasource\n\nvalue parse error before "
                         f"'{name}'\nCommand fail. Return code -3\n")
        users = self._users(name, frame.node.entries[name]) if frame.path in REFERABLE else 0
        if users:
            return Reply(f"The entry is used by other {users} entries\n"
                         "Command fail. Return code -23\n")
        del frame.node.entries[name]
        if frame.path == PHASE1:
            self.device.interfaces().entries.pop(name, None)
        return Reply()

    def _missing(self, table: str, attr: str, values: list[str]) -> str | None:
        """The first object a setting names that does not exist (`DATASOURCES`)."""
        source = DATASOURCES.get((table, attr))
        if source is None:
            return None
        paths, factory = source
        scopes = [self._scope().tables.get(p, Node()) for p in paths
                  if p != "system interface"]
        scopes += [self.device.interfaces()] if "system interface" in paths else []
        return next((v for v in values if v not in factory
                     and not any(v in scope.entries for scope in scopes)), None)

    def _users(self, name: str, entry: Node) -> int:
        """How many other entries name `name` in a setting (a reference to it)."""
        scopes = [self._scope(), self.device.interfaces()]
        tunnel = self.device.interfaces().entries.get(name)
        return sum(1 for scope in scopes for node in _nodes(scope)
                   if node is not entry and node is not tunnel and any(
                       name in split(value) for key, value in node.settings.items()
                       if key not in _NOT_REFERENCES))

    def _set(self, node: Node, attr: str, raw: str, values: list[str], table: str) -> Reply:
        bad = bad_value(attr, values, table)
        if bad is not None:
            return Reply(f"node_check_object fail! for {attr} {bad}\n\n"
                         f"value parse error before '{bad}'\nCommand fail. Return code -651\n")
        pattern = self.device.faults.ignore_on_commit
        if pattern and re.search(pattern, f"set {attr} {raw}"):
            return Reply()
        if table in sim_pki.TABLES:
            return Reply(sim_pki.set_value(table, node, attr, raw) or "")
        missing = self._missing(table, attr, values)
        if missing is not None:
            return Reply(f"entry not found in datasource\n\nvalue parse error before "
                         f"'{missing}'\nCommand fail. Return code -3\n")
        node.put(attr, encrypt(raw) if attr in SECRETS else raw)
        return Reply()


def _move(table: Node, words: list[str]) -> Reply:
    """`move ID before|after ID`: the entry goes next to the other, as FortiOS moves a
    policy in its list (its ID unchanged); `show` then prints the new order."""
    if len(words) != 3 or words[1] not in ("before", "after"):
        return _parse_error(words[1] if len(words) > 1 else "")
    name, where, other = words
    missing = next((w for w in (name, other) if w not in table.entries), None)
    if missing is not None:
        return Reply(f"entry not found in datasource\n\nvalue parse error before "
                     f"'{missing}'\nCommand fail. Return code -3\n")
    order = [n for n in table.entries if n != name]
    order.insert(order.index(other) + (where == "after"), name)
    table.entries = {n: table.entries[n] for n in order}
    table.layout = [item for item in table.layout if item[0] != "edit"] + \
        [("edit", n) for n in order]
    return Reply()


def _ipv4(word: str) -> bool:
    try:
        return isinstance(ipaddress.ip_address(word), ipaddress.IPv4Address)
    except ValueError:
        return False


def _nodes(node: Node) -> list[Node]:
    """A node and every node below it."""
    out = [node]
    for child in [*node.tables.values(), *node.entries.values()]:
        out += _nodes(child)
    return out


def _parse_error(word: str) -> Reply:
    return Reply(f"command parse error before '{word}'\n{FAIL_61}")
