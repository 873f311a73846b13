"""A simulated Cisco IOS-XE router: lines apply as typed, flash files, `configure replace`.

Like the real OS there is no candidate: every accepted config line changes the
running config at once, which is why netorch saves a copy to flash first and rolls
back with `configure replace flash:FILE force`.

It loads a complete `show running-config` (banners, certificate chains, comments) and
prints it back line for line, so a rehearsal compares before and after exactly; a line
it cannot place is a `ConfigParseError` naming the line, never dropped. Like IOS it
refuses to remove an IPsec profile a tunnel still uses (the error real routers give is
modelled on "attempting to remove when referred by tunnel config",
netascode/terraform-iosxe-nac-iosxe#230) and a second `router bgp`. The zone-based
firewall's lines, how IOS stores them and the references it holds them to:
`netorch.platforms.cisco_iosxe.sim_zbf`.
"""

from __future__ import annotations

import base64
import ipaddress
import os
import re

from netorch.platforms.cisco_iosxe import sim_grammar as grammar
from netorch.platforms.cisco_iosxe import sim_pki, sim_zbf
from netorch.platforms.cisco_iosxe import sim_state as state
from netorch.platforms.cisco_iosxe.sim_load import Node, parse, render
from netorch.sim.base import CliSession, Reply, SimDevice, caret

INVALID = "% Invalid input detected at '^' marker.\n"
INCOMPLETE = "% Incomplete command.\n"
_KEY = re.compile(r"^(pre-shared-key(?: local| remote)?) (?!6 |7 )(?:0 )?(\S.*)$")
__all__ = ["IosXeDevice", "IosXeSession", "Node", "encrypt", "parse", "render"]


def encrypt(line: str) -> str:
    """A keyring key as IOS shows it under `password encryption aes`: type 6, salted.

    >>> encrypt("pre-shared-key local s3cret").startswith("pre-shared-key local 6 ")
    True
    """
    m = _KEY.match(line)
    if m is None:
        return line
    salt = os.urandom(4)
    hidden = bytes(b ^ salt[i % 4] for i, b in enumerate(m[2].encode()))
    return f"{m[1]} 6 {base64.b64encode(salt + hidden).decode().rstrip('=')}"


def _address(word: str) -> bool:
    """Whether `word` is a dotted IPv4 address (a neighbour as `clear ip bgp` takes it)."""
    try:
        return isinstance(ipaddress.ip_address(word), ipaddress.IPv4Address)
    except ValueError:
        return False


class IosXeDevice(SimDevice):
    platform = "cisco_iosxe"

    def __init__(self, name: str, **kwargs: str) -> None:
        super().__init__(name, **kwargs)
        self.root = parse(f"!\nversion 17.9\nhostname {name}\n!\ninterface GigabitEthernet1\n"
                          " ip address dhcp\n!\n")
        self.flash: dict[str, str] = {}
        self.soft_resets: list[str] = []  # each `clear ip bgp ... soft` accepted, as typed

    def session(self) -> CliSession:
        return IosXeSession(self)

    def running_text(self) -> str:
        body = render(self.root) + "end\n"
        return f"Building configuration...\n\nCurrent configuration : {len(body)} bytes\n{body}"

    def load_text(self, text: str) -> None:
        """Replace the running config with `text` (raises `ConfigParseError`)."""
        self.root = parse(text)

    @property
    def encrypts_keys(self) -> bool:
        return any(c.text == "password encryption aes" for c in self.root.children)

    @property
    def hostname(self) -> str:
        line = next((c.text for c in self.root.children if c.text.startswith("hostname ")), "")
        return line.split()[1] if line else "Router"


class IosXeSession(CliSession):
    device: IosXeDevice

    def __init__(self, device: IosXeDevice) -> None:
        super().__init__(device)
        self.path: list[tuple[str, Node]] = []  # empty = exec mode
        self.pending_copy: str | None = None
        self.pubkey: sim_pki.Pending | None = None  # a certificate's hex being typed
        self.confirming: tuple[Node, str] | None = None  # (chain, certificate) to remove

    def prompt(self) -> str:
        if self.pending_copy is not None or self.confirming is not None:
            return ""
        if not self.path:
            return f"{self.device.hostname}#"
        return f"{self.device.hostname}({self.path[-1][0]})#"

    def handle(self, line: str) -> Reply:
        if self.pending_copy is not None:
            return self._finish_copy()
        if self.confirming is not None:
            return self._answer(line.strip())
        text = line.strip()
        if self.pubkey is not None:
            return self._hex(text)
        if not text or text.startswith("!"):
            return Reply()
        if self.path:
            return self._config(text)
        return self._exec(text)

    def _exec(self, text: str) -> Reply:
        words = text.split()
        reply = self._session(text)
        if reply is None:
            reply = self._flash(text)
        if reply is not None:
            return reply
        if words[:3] == ["clear", "ip", "bgp"]:
            return self._clear_bgp(text, words)
        shown = state.iosxe_show(self.device, text)
        if shown is not None:
            return Reply(shown)
        return Reply(caret(self.prompt(), text, 0) + "\n" + INVALID if words else "")

    def _session(self, text: str) -> Reply | None:
        """The terminal settings, entering configuration, leaving, `show running-config`."""
        if text in ("terminal length 0", "terminal width 511", "terminal no monitor"):
            return Reply()
        if text in ("configure terminal", "conf t", "config term"):
            self.path = [("config", self.device.root)]
            return Reply("Enter configuration commands, one per line.  End with CNTL/Z.\n")
        if text in ("exit", "logout", "quit"):
            return Reply(action="drop")
        if re.fullmatch(r"show run(ning-config)?", text):
            return Reply(self.device.running_text())
        return None

    def _flash(self, text: str) -> Reply | None:
        """Saving: a copy to flash, `configure replace` from it, `write memory`, delete."""
        if m := re.fullmatch(r"copy running-config flash:(\S+)", text):
            self.pending_copy = m[1]
            return Reply(f"Destination filename [{m[1]}]? ")
        if m := re.fullmatch(r"configure replace flash:(\S+)( force)?", text):
            return self._replace(m[1])
        if text in ("write memory", "copy running-config startup-config"):
            return Reply("Building configuration...\n[OK]\n")
        if m := re.fullmatch(r"delete /force flash:(\S+)", text):
            self.device.flash.pop(m[1], None)
            return Reply()
        return None

    def _clear_bgp(self, text: str, words: list[str]) -> Reply:
        """`clear ip bgp ADDRESS soft [in|out]`: a route refresh, recorded in
        `device.soft_resets`; anything else after `clear ip bgp` is refused at the word
        IOS would mark (a hard reset, `clear ip bgp ADDRESS`, is not modelled: refused)."""
        if len(words) == 3:
            return Reply(INCOMPLETE)
        checks = (_address(words[3]), words[4:5] == ["soft"],
                  len(words) <= 5 or words[5] in ("in", "out"), len(words) <= 6)
        bad = next((i for i, ok in enumerate(checks) if not ok), None)
        if bad is not None:
            return Reply(caret(self.prompt(), text, 3 + bad) + "\n" + INVALID)
        self.device.soft_resets.append(" ".join(words))
        return Reply()

    def _finish_copy(self) -> Reply:
        name, self.pending_copy = self.pending_copy or "", None
        body = self.device.running_text()
        self.device.flash[name] = body
        return Reply(f"\n{len(body)} bytes copied in 0.012 secs ({len(body) * 80} bytes/sec)\n")

    def _replace(self, name: str) -> Reply:
        if name not in self.device.flash:
            return Reply(f"%Error opening flash:{name} (No such file or directory)\n")
        self.device.load_text(self.device.flash[name])
        return Reply("Total number of passes: 1\nRollback Done\n\n")

    def _config(self, text: str) -> Reply:
        if text == "end":
            self.path = []
            return Reply()
        if text in ("exit", "exit-address-family"):
            self.path.pop()
            return Reply()
        if text.startswith("do "):
            return self._exec(text[3:])
        if self.path[-1][0] == "config-cert-chain":
            reply = self._chain(self.path[-1][1], text)
            if reply is not None:
                return reply
        return self._apply(text)

    def _chain(self, chain: Node, text: str) -> Reply | None:
        """In a certificate chain: `certificate [ca] SERIAL` starts its hex; `no
        certificate ...` asks first. None: any other line (IOS tries it at global level)."""
        words = text.split()
        if words[:2] == ["no", "certificate"] and len(words) > 2:
            found = sim_pki.removal(chain, words[1:])
            if found is None:
                return Reply(f"% Error: no {' '.join(words[1:])} in this chain\n")
            self.confirming = (chain, found)
            return Reply("% Are you sure you want to remove the certificate [yes/no]: ")
        if words[:1] != ["certificate"]:
            return None
        self.pubkey = sim_pki.start(chain, text)
        if self.pubkey is None:
            return Reply(caret(self.prompt(), text, 1) + "\n" + INVALID)
        self.path.append(("config-pubkey", chain))
        return Reply("Enter the certificate in hexidecimal representation....\n")

    def _hex(self, text: str) -> Reply:
        """A line of certificate hex, or `quit`, which stores (or refuses) it."""
        pending = self.pubkey
        assert pending is not None
        if text == "quit":
            self.pubkey = None
            self.path.pop()
            error = sim_pki.finish(pending)
            return Reply(error or "")
        bad = sim_pki.bad_word(text)
        if bad is not None:
            return Reply(caret(self.prompt(), text, bad) + "\n" + INVALID)
        pending.words += text.split()
        return Reply()

    def _answer(self, text: str) -> Reply:
        chain, found = self.confirming or (self.device.root, "")
        self.confirming = None
        if text.lower() not in ("y", "yes"):
            return Reply()
        chain.remove(found)
        return Reply("% Be sure to ask the CA administrator to revoke this certificate.\n")

    def _apply(self, text: str) -> Reply:
        saved = list(self.path)
        while True:
            mode, node = self.path[-1]
            words = text.split()
            if text in grammar.STORED_NO:
                node.add(text)
                return Reply()
            if words[0] == "no" and len(words) > 1:
                return self._remove(mode, node, words[1:])
            if f"no {text}" in grammar.STORED_NO:
                node.remove(f"no {text}")
            new_mode = grammar.starter(mode, text)
            refused = sim_zbf.refusal(self.device.root, mode, text)
            if new_mode is not None:
                return Reply(refused) if refused else self._enter(new_mode, node, text)
            bad = grammar.error_token(mode, words)
            if bad is None and grammar.incomplete(mode, words):
                return Reply(INCOMPLETE)
            if bad is None:
                return Reply(refused) if refused else self._set(node, mode, text)
            if len(self.path) == 1 or bad > 0:
                self.path = saved
                return Reply(caret(self.prompt(), text, bad) + "\n" + INVALID)
            self.path.pop()  # IOS retries an unknown sub-mode line at the parent level

    def _set(self, node: Node, mode: str, text: str) -> Reply:
        pattern = self.device.faults.ignore_on_commit
        line = sim_zbf.stored(node, mode, text)
        if line is None:
            return Reply("% Duplicate sequence number\n")
        if not (pattern and re.search(pattern, text)):
            node.add(encrypt(line) if self.device.encrypts_keys else line)
        return Reply()

    def _enter(self, mode: str, node: Node, text: str) -> Reply:
        """Open a sub-mode; IOS runs one BGP process, closes a new section with `!` and
        shows `address-family ipv4 unicast` as `address-family ipv4`."""
        running = next((c.text for c in node.children if c.text.startswith("router bgp ")), None)
        if mode == "config-router" and running not in (None, text):
            return Reply(f"% BGP is already running; AS is {(running or '').split()[2]}\n")
        if mode == "config-cert-chain" and not sim_pki.trustpoint_known(node, text):
            name = text.rsplit(maxsplit=1)[-1]
            return Reply(f"% Error: trustpoint {name} is unknown: configure "
                         "`crypto pki trustpoint` first\n")
        if text.startswith("address-family "):
            text = grammar.family(text)
            text = next((c.text for c in node.children
                         if grammar.family(c.text) == text and not c.comment), text)
        text = sim_zbf.class_map_header(text)
        new = node.find(text) is None
        self.path.append((mode, sim_zbf.enter(node, mode, text) or node.add(text)))
        if new and node is self.device.root:
            node.children.append(Node("!"))
        return Reply()

    def _remove(self, mode: str, node: Node, words: list[str]) -> Reply:
        """`no ...`: refused while something uses the object; `no neighbor X` (or its
        `remote-as`) removes the neighbour from every address family too; `no ip route`
        removes by prefix, mask and next hop."""
        if words[:3] == ["crypto", "ipsec", "profile"] and len(words) > 3:
            user = self._tunnel_using(words[3])
            if user is not None:
                return Reply(f"% IPsec profile {words[3]} is in use by {user}: remove its "
                             "tunnel protection first\n")
        refused = sim_zbf.in_use(self.device.root, words) or sim_zbf.emptied(
            self.device.root, node, mode, words)
        if refused or sim_zbf.remove_entry(node, mode, words):
            return Reply(refused or "")
        if mode == "config-router" and words[0] == "neighbor" and len(words) > 1 and (
                len(words) == 2 or words[2] == "remote-as"):
            for scope in (node, *node.children):
                scope.remove(f"neighbor {words[1]}")
            return Reply()
        if words[:2] == ["ip", "route"] and len(words) > 3:
            self._remove_route(node, grammar.single_key(" ".join(words)) or "")
            return Reply()
        node.remove(" ".join(words))
        return Reply()

    @staticmethod
    def _remove_route(node: Node, key: str) -> None:
        """`no ip route P M [HOP]`: IOS deletes the route(s) of that key, whatever their
        distance or name."""
        for child in [c for c in node.children if not c.comment]:
            if f"{grammar.single_key(child.text)} ".startswith(key + " "):
                node.remove(child.text)

    def _tunnel_using(self, profile: str) -> str | None:
        for section in self.device.root.children:
            if section.text.startswith("interface ") and any(
                    re.fullmatch(rf"tunnel protection ipsec profile {re.escape(profile)}( .*)?",
                                 c.text) for c in section.children):
                return section.text.split()[1]
        return None
