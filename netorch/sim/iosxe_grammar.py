"""Just enough IOS-XE grammar to accept what netorch renders and reject what IOS would,
and the loader of a whole `show running-config` (`parse`, `render`).

Each config mode lists the first words it accepts; a few keywords also have their
second word or their values checked, so a misspelt algorithm is refused with the
caret at the right word, like the real parser. A loaded config is checked only for
what makes it a config: known global commands, sections, and banners, certificates
and macros that end.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from netorch.deploy.configs import ConfigParseError

STARTERS: dict[str, list[tuple[str, str]]] = {
    "config": [
        (r"^interface \S+$", "config-if"),
        (r"^router bgp \d+$", "config-router"),
        (r"^crypto ikev2 proposal \S+$", "config-ikev2-proposal"),
        (r"^crypto ikev2 policy \S+$", "config-ikev2-policy"),
        (r"^crypto ikev2 keyring \S+$", "config-ikev2-keyring"),
        (r"^crypto ikev2 profile \S+$", "config-ikev2-profile"),
        (r"^crypto ipsec profile \S+$", "ipsec-profile"),
        (r"^crypto pki trustpoint \S+$", "ca-trustpoint"),
        (r"^crypto ipsec transform-set \S+ \S.*$", "cfg-crypto-trans"),
        (r"^route-map \S+( (permit|deny))?( \d+)?$", "config-route-map"),
        (r"^ip access-list (standard|extended) \S+$", "config-acl"),
        (r"^bfd-template single-hop \S+$", "config-bfd"),
        (r"^line (vty|con|aux) .+$", "config-line"),
        (r"^archive$", "config-archive"),
        (r"^vrf definition \S+$", "config-vrf"),
    ],
    "config-router": [(r"^address-family ipv4( unicast)?$", "config-router-af")],
    "config-ikev2-keyring": [(r"^peer \S+$", "config-ikev2-keyring-peer")],
}

# The first words of global configuration commands: what a loaded config and a typed
# line may start with (IOS-XE 17 `?` at `(config)#`, less hardware-specific ones).
_GLOBAL = {
    "aaa", "access-list", "access-session", "alias", "ap", "app-hosting", "archive",
    "authentication", "auto", "autoqos", "avc", "banner", "bfd", "bfd-template", "boot",
    "boot-end-marker", "boot-start-marker", "bridge-domain", "call-home", "card", "cdp",
    "cef", "chat-script", "class-map", "clock", "control-plane", "controller", "crypto",
    "cts", "default", "device-sensor", "device-tracking", "diagnostic", "dial-peer",
    "dialer", "dialer-list", "dot1x", "enable", "energywise", "epm", "errdisable",
    "ethernet", "event", "exception", "fhrp", "file", "flow", "gnxi", "hostname",
    "hw-module", "hw-switch", "identity", "interface", "iox", "ip", "ipv6", "kron", "key",
    "l2", "l2vpn", "license", "line", "lldp", "logging", "login", "mab", "mac",
    "mac-address-table", "macro", "management", "memory", "mka", "mls", "mmi", "monitor",
    "mpls", "multilink", "netconf", "netconf-yang", "network-clock", "no", "ntp",
    "object-group", "parameter-map", "parser", "password", "performance", "platform",
    "pnp", "policy-map", "port-channel", "power", "privilege", "process", "pseudowire-class",
    "ptp", "qos", "radius", "radius-server", "redundancy", "resource", "restconf", "rmon",
    "route-map", "router", "sampler", "scheduler", "sdm", "segment-routing", "service",
    "service-template", "sip-ua", "snmp", "snmp-server", "spanning-tree", "stackwise-virtual",
    "subscriber", "switch", "system", "table-map", "tacacs", "tacacs-server", "telemetry",
    "template", "tftp-server", "track", "transceiver", "udld", "username", "utd", "version",
    "virtual-service", "vlan", "voice", "voice-port", "vpdn", "vrf", "vstack", "vtp",
    "webvpn", "wsma", "xconnect", "zone", "zone-pair",
}
KEYWORDS: dict[str, set[str]] = {
    "config": _GLOBAL,
    "config-if": {"ip", "ipv6", "description", "tunnel", "shutdown", "bfd", "mtu",
                  "negotiation", "load-interval", "bandwidth", "keepalive", "vrf", "cdp",
                  "speed", "duplex", "no", "delay", "media-type", "service-policy"},
    "config-router": {"bgp", "neighbor", "network", "redistribute", "timers", "no",
                      "maximum-paths", "address-family", "default-information",
                      "aggregate-address", "distance", "template"},
    "config-router-af": {"neighbor", "network", "redistribute", "maximum-paths", "no",
                         "exit-address-family", "bgp", "aggregate-address", "default-information",
                         "distance"},
    "config-ikev2-proposal": {"encryption", "integrity", "prf", "group", "no"},
    "config-ikev2-policy": {"proposal", "match", "no"},
    "config-ikev2-keyring": {"peer", "no"},
    "config-ikev2-keyring-peer": {"address", "pre-shared-key", "identity", "description",
                                  "hostname", "no"},
    "config-ikev2-profile": {"match", "identity", "authentication", "keyring", "dpd",
                             "lifetime", "nat", "description", "ivrf", "pki", "no"},
    "ca-trustpoint": {"enrollment", "fqdn", "subject-name", "revocation-check", "rsakeypair",
                      "eckeypair", "subject-alt-name", "ip-address", "serial-number",
                      "chain-validation", "usage", "no"},
    "ipsec-profile": {"set", "description", "no"},
    "cfg-crypto-trans": {"mode", "no"},
    "config-route-map": {"match", "set", "description", "continue", "no"},
    "config-acl": {"permit", "deny", "remark", "no"},
    "config-bfd": {"interval", "no"},
    "config-line": {"transport", "login", "exec-timeout", "privilege", "logging", "no",
                    "session-timeout", "access-class", "stopbits"},
    "config-archive": {"path", "maximum", "write-memory", "time-period", "no"},
    "config-vrf": {"rd", "address-family", "description", "no"},
}

_ENCR = {"aes-cbc-128", "aes-cbc-192", "aes-cbc-256", "aes-gcm-128", "aes-gcm-256", "3des",
         "des"}
_HASH = {"sha1", "sha256", "sha384", "sha512", "md5"}
_GROUPS = {"1", "2", "5", "14", "15", "16", "19", "20", "21", "24"}
VALUES: dict[tuple[str, str], set[str]] = {
    ("config-ikev2-proposal", "encryption"): _ENCR,
    ("config-ikev2-proposal", "integrity"): _HASH,
    ("config-ikev2-proposal", "prf"): _HASH,
    ("config-ikev2-proposal", "group"): _GROUPS,
}
SECOND: dict[tuple[str, str], set[str]] = {
    ("config", "crypto"): {"ikev2", "ipsec", "isakmp", "pki", "key", "map", "logging"},
    ("config-if", "tunnel"): {"source", "destination", "mode", "protection", "key",
                              "path-mtu-discovery", "vrf"},
    ("config-router", "bgp"): {"router-id", "log-neighbor-changes", "bestpath", "graceful-restart",
                               "default"},
}
_SINGLE = ("ip address", "tunnel source", "tunnel destination", "tunnel mode",
           "tunnel protection", "description", "hostname", "bgp router-id",
           "set transform-set", "set ikev2-profile", "set pfs", "mtu", "ip mtu",
           "ip tcp adjust-mss", "identity local", "keyring local", "dpd", "lifetime",
           "address", "encryption", "integrity", "prf", "group",
           "proposal", "mode", "interval", "enrollment", "fqdn", "subject-name",
           "revocation-check", "pki trustpoint")


_PER_DIRECTION = {"route-map", "prefix-list", "filter-list", "distribute-list"}
# `no` forms IOS keeps in the running config (it shows the non-default setting)
STORED_NO = {"no bgp default ipv4-unicast", "no ip domain lookup", "no ip http server",
             "no ip http secure-server", "no service pad", "no auto-summary"}


def starter(mode: str, line: str) -> str | None:
    """The sub-mode `line` enters from `mode`, if it opens one."""
    for pattern, new_mode in STARTERS.get(mode, []):
        if re.match(pattern, line):
            return new_mode
    return None


def error_token(mode: str, words: list[str]) -> int | None:
    """Index of the first word IOS would put its caret under, or None if valid."""
    if words[0] not in KEYWORDS.get(mode, set()):
        return 0
    allowed = VALUES.get((mode, words[0]))
    if allowed is not None:
        for index, word in enumerate(words[1:], start=1):
            if word not in allowed:
                return index
    second = SECOND.get((mode, words[0]))
    if second is not None and len(words) > 1 and words[1] not in second:
        return 1
    return None


def incomplete(mode: str, words: list[str]) -> bool:
    if (mode, words[0]) in VALUES or (mode, words[0]) in SECOND:
        return len(words) < 2
    return words[0] == "crypto" and len(words) < 4


def single_key(line: str) -> str | None:
    """The part of a single-valued command that a new value replaces (`tunnel source`)."""
    words = line.split()
    if not words:
        return None
    if words[0] == "neighbor" and len(words) >= 4 and words[2] in _PER_DIRECTION:
        return " ".join([*words[:3], words[-1]])  # `route-map X in` and `... out` coexist
    if words[0] in ("neighbor", "pre-shared-key") and len(words) >= 3:
        return " ".join(words[:3] if words[0] == "neighbor" or words[1] in ("local", "remote")
                        else words[:1])
    for key in _SINGLE:
        if line == key or line.startswith(key + " "):
            return key
    return None


# Loading a whole config: `show running-config` text into a tree, and back.
_BANNER = re.compile(r"^banner \S+ (\^C|\S)")
_HEADER = re.compile(r"^(Building configuration\.\.\.|Current configuration : \d+ bytes)$")


@dataclass
class Node:
    """A config line, its sub-mode lines, and (banner text, certificate hex) the verbatim
    lines that belong to it. `raw` is the line as loaded, printed back unchanged."""

    text: str
    children: list[Node] = field(default_factory=list)
    raw: str | None = None
    block: list[str] = field(default_factory=list)

    @property
    def comment(self) -> bool:
        return not self.text or self.text.startswith("!")

    def find(self, text: str) -> Node | None:
        return next((c for c in self.children if c.text == text and not c.comment), None)

    def add(self, text: str) -> Node:
        existing = self.find(text)
        if existing is not None:
            return existing
        key = single_key(text)
        if key is not None:
            self.children = [c for c in self.children
                             if c.children or single_key(c.text) != key]
        node = Node(text)
        self.children.append(node)
        return node

    def remove(self, text: str) -> None:
        """Remove `text` (and lines it starts), with the `!` separator that followed it."""
        kept: list[Node] = []
        separator_goes = False
        for child in self.children:
            if not child.comment and (child.text == text or child.text.startswith(text + " ")):
                separator_goes = not kept or kept[-1].text == "!"
                continue
            if not (separator_goes and child.text == "!"):
                kept.append(child)
            separator_goes = False
        self.children = kept


def parse(text: str) -> Node:
    """A config as `show running-config` prints it, into a tree (see `ConfigParseError`)."""
    root = Node("")
    stack: list[tuple[int, Node]] = [(-1, root)]
    numbered = _body(text.splitlines())
    for lineno, raw in numbered:
        if not raw.strip():  # kept in place, under the line it follows
            stack[-1][1].children.append(Node("", raw=raw))
            continue
        indent = len(raw) - len(raw.lstrip())
        while len(stack) > 1 and (stack[-1][0] >= indent or stack[-1][1].comment):
            stack.pop()  # a comment opens no section
        parent = stack[-1][1]
        node = _node(lineno, raw, parent is root)
        parent.children.append(node)
        node.block = _verbatim(node, parent, numbered, lineno)
        stack.append((indent, node))
    return root


def _body(lines: list[str]) -> Iterator[tuple[int, str]]:
    """Numbered lines between the `show` header and the last `end` (both regenerated)."""
    start = 0
    while start < len(lines) and (not lines[start].strip() or _HEADER.match(lines[start])):
        start += 1
    stop = len(lines)
    while stop > start and not lines[stop - 1].strip():
        stop -= 1
    if stop > start and lines[stop - 1].strip() == "end":
        stop -= 1
    for index in range(start, stop):
        if lines[index].strip() != "end":  # one mid-text (two files joined) ends nothing
            yield index + 1, lines[index].rstrip("\r")


def _node(lineno: int, raw: str, top: bool) -> Node:
    text = raw.strip()
    if any(ord(c) < 32 and c != "\t" for c in raw):
        raise ConfigParseError(lineno, "control character", raw)
    if top and raw[:1].isspace() and text and not text.startswith("!"):
        raise ConfigParseError(lineno, "indented line outside any section", raw)
    if top and text and not text.startswith("!") and text.split()[0] not in KEYWORDS["config"]:
        raise ConfigParseError(lineno, "unknown command", raw)
    return Node(text, raw=raw)


def _verbatim(node: Node, parent: Node, lines: Iterator[tuple[int, str]],
              lineno: int) -> list[str]:
    """The lines that belong to `node` as text: a banner's up to its delimiter, a
    certificate's hex up to `quit`, a macro's up to `@`."""
    end, whole_line = "", True
    if m := _BANNER.match(node.text):
        end = "" if m[1] in node.text[m.end():] else m[1]
        whole_line = False
    elif node.text.startswith("certificate ") and parent.text.startswith(
            "crypto pki certificate chain "):
        end = "quit"
    elif node.text.startswith("macro name "):
        end = "@"
    out: list[str] = []
    for _, raw in lines if end else ():
        out.append(raw)
        if raw.strip() == end if whole_line else end in raw:
            return out
    if end:
        raise ConfigParseError(lineno, f"never ends (no {end!r})", node.text)
    return out


def render(root: Node) -> str:
    """The tree as `show running-config` prints it, loaded lines exactly as they were."""
    out: list[str] = []

    def walk(node: Node, depth: int) -> None:
        for child in node.children:
            out.append(child.raw if child.raw is not None else " " * depth + child.text)
            out.extend(child.block)
            walk(child, depth + 1)

    walk(root, 0)
    return "".join(line + "\n" for line in out)
