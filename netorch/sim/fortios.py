"""A simulated FortiGate (FortiOS 7.2): `config` / `edit` / `set` / `next` / `end` trees.

FortiOS has no candidate configuration: a `set` takes effect when typed, so netorch
keeps the configuration it found and restores it itself when a push fails.
"""

from __future__ import annotations

import base64
import os
import re
import shlex
from dataclasses import dataclass, field

from netorch.sim import state
from netorch.sim.base import CliSession, Reply, SimDevice

PATHS = {"system interface", "system global", "system zone", "system settings",
         "vpn ipsec phase1-interface", "vpn ipsec phase2-interface", "router bgp",
         "router static", "router prefix-list", "router route-map", "router access-list",
         "firewall policy", "firewall address", "firewall addrgrp", "system console",
         "user peer", "user peergrp", "vpn certificate ca", "vpn certificate local"}
NESTED = {"neighbor", "network", "rule", "redistribute", "neighbor-group"}
_PROPOSAL = re.compile(r"^(aes128|aes192|aes256|aes128gcm|aes256gcm|chacha20poly1305|3des|des)"
                       r"(-(prf)?(sha1|sha256|sha384|sha512|md5))?$")
_DH = {"1", "2", "5", "14", "15", "16", "17", "18", "19", "20", "21", "27", "28", "29", "30",
       "31", "32"}
FAIL_61 = "Command fail. Return code -61\n"
SECRETS = {"psksecret", "psksecret-remote", "password", "passwd"}


def encrypt(raw: str) -> str:
    """A key as FortiOS stores and shows it: `ENC <base64>`, salted; a value typed in
    that form (a restored backup) is taken as it is.

    >>> encrypt('"s3cret"').startswith("ENC "), "s3cret" in encrypt('"s3cret"')
    (True, False)
    """
    if raw.startswith("ENC "):
        return raw
    salt = os.urandom(4)
    hidden = bytes(b ^ salt[i % 4] for i, b in enumerate(raw.strip('"').encode()))
    return "ENC " + base64.b64encode(salt + hidden).decode()


@dataclass
class FNode:
    settings: dict[str, str] = field(default_factory=dict)
    children: dict[str, FNode] = field(default_factory=dict)
    entries: dict[str, FNode] = field(default_factory=dict)

    def table(self, path: str) -> dict[str, FNode]:
        node = self.children.get(path)
        return node.entries if node else {}


def _empty(node: FNode) -> bool:
    return not node.settings and not node.entries and all(_empty(t) for t in node.children.values())


def render(node: FNode, depth: int = 0) -> list[str]:
    pad = "    " * depth
    out = [f"{pad}set {k} {v}" for k, v in node.settings.items()]
    for path, child in node.children.items():
        if _empty(child):
            continue
        out.append(f"{pad}config {path}")
        out += render(child, depth + 1)
        for name, entry in child.entries.items():
            shown = name if name.isdigit() else f'"{name}"'
            out.append(f"{pad}    edit {shown}")
            out += render(entry, depth + 2)
            out.append(f"{pad}    next")
        out.append(f"{pad}end")
    return out


def bad_value(attr: str, words: list[str]) -> str | None:
    checks = {"proposal": lambda w: bool(_PROPOSAL.match(w)), "dhgrp": lambda w: w in _DH,
              "ike-version": lambda w: w in ("1", "2")}
    check = checks.get(attr)
    return next((w for w in words if check and not check(w)), None)


class FortiOsDevice(SimDevice):
    platform = "fortinet_fortios"

    def __init__(self, name: str, **kwargs: str) -> None:
        super().__init__(name, **kwargs)
        self.root = FNode()
        self.extra_sas: list[tuple[str, str, str]] = []
        self.load_text(f'config system global\n    set hostname "{name}"\nend\n'
                       'config system interface\n    edit "port1"\n'
                       "        set mode dhcp\n    next\nend\n")

    def session(self) -> CliSession:
        return FortiOsSession(self)

    def running_text(self) -> str:
        return "\n".join(render(self.root)) + "\n"

    def load_text(self, text: str) -> None:
        self.root = FNode()
        session = FortiOsSession(self)
        for line in text.splitlines():
            session.handle(line)


class FortiOsSession(CliSession):
    device: FortiOsDevice

    def __init__(self, device: FortiOsDevice) -> None:
        super().__init__(device)
        self.stack: list[tuple[str, FNode, bool]] = []  # (label, node, is_entry)

    def prompt(self) -> str:
        where = f" ({self.stack[-1][0]})" if self.stack else ""
        return f"{self.device.name}{where} # "

    def handle(self, line: str) -> Reply:
        text = line.strip()
        if not text or text.startswith("#"):
            return Reply()
        try:
            words = shlex.split(text)
        except ValueError:
            return Reply(f"command parse error before '{text.split()[0]}'\n{FAIL_61}")
        return self._config(text, words) if self.stack else self._exec(text, words)

    def _exec(self, text: str, words: list[str]) -> Reply:
        status = (f"Version: FortiGate-VM64 v7.2.5,build1517,230606 (GA.F)\n"
                  f"Virtual domain configuration: disable\nHostname: {self.device.name}\n")
        if text == "get system status":
            return Reply(status)
        if text == "get system status | grep Version":
            return Reply(status.splitlines()[0] + "\n")
        if text == "get system console":
            return Reply("output              : standard\n")
        if text in ("show", "show full-configuration"):
            return Reply(self.device.running_text())
        if text in ("exit", "quit"):
            return Reply(action="drop")
        if words[0] == "config":
            return self._enter(words, self.device.root, top=True)
        shown = state.fortios_show(self.device, text)
        if shown is not None:
            return Reply(shown)
        return Reply(f"Unknown action 0\n{FAIL_61}")

    def _enter(self, words: list[str], node: FNode, top: bool) -> Reply:
        path = " ".join(words[1:])
        if (top and path not in PATHS) or (not top and path not in NESTED) or len(words) < 2:
            return Reply(f"command parse error before '{words[1] if len(words) > 1 else ''}'\n"
                         f"{FAIL_61}")
        child = node.children.setdefault(path, FNode())
        self.stack.append((path.split()[-1], child, False))
        return Reply()

    def _config(self, text: str, words: list[str]) -> Reply:
        _, node, is_entry = self.stack[-1]
        verb = words[0]
        if verb == "end":
            self.stack.pop()
            if is_entry:
                self.stack.pop()
            return Reply()
        if verb == "next" and is_entry:
            self.stack.pop()
            return Reply()
        if verb == "config":
            return self._enter(words, node, top=False)
        if verb == "edit" and len(words) == 2 and not is_entry:
            entry = node.entries.setdefault(words[1], FNode())
            self.stack.append((words[1], entry, True))
            return Reply()
        if verb == "delete" and len(words) == 2 and not is_entry:
            if node.entries.pop(words[1], None) is None:
                return Reply(f"entry not found in datasource\n\nvalue parse error before "
                             f"'{words[1]}'\nCommand fail. Return code -3\n")
            return Reply()
        if verb == "unset" and len(words) == 2:
            node.settings.pop(words[1], None)
            return Reply()
        if verb == "set" and len(words) >= 3 and re.fullmatch(r"[a-z0-9-]+", words[1]):
            return self._set(node, words[1], text.split(None, 2)[2], words[2:])
        if verb in ("show", "get"):
            return Reply("\n".join(render(node)) + "\n")
        return Reply(f"command parse error before '{verb}'\n{FAIL_61}")

    def _set(self, node: FNode, attr: str, raw: str, values: list[str]) -> Reply:
        bad = bad_value(attr, values)
        if bad is not None:
            return Reply(f"node_check_object fail! for {attr} {bad}\n\n"
                         f"value parse error before '{bad}'\nCommand fail. Return code -651\n")
        pattern = self.device.faults.ignore_on_commit
        if not (pattern and re.search(pattern, f"set {attr} {raw}")):
            node.settings[attr] = encrypt(raw) if attr in SECRETS else raw
        return Reply()
