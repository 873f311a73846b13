"""A simulated Junos SRX: candidate configuration, `show | compare`, commit, commit confirmed.

The configuration is held as `set` statements and `deactivate` entries, loaded from a
complete config in `display set` or curly format (`sim_config`; a line it
cannot read raises `ConfigParseError`). Each configuration session edits its own
candidate copy (`configure exclusive` also locks it) with `set`, `delete`, `deactivate`,
`activate` and `insert` (where a new statement goes, and how `insert` reorders the lists
Junos evaluates in order: `sim_order`); nothing reaches the active config
before `commit`, whose check refuses what Junos refuses (`sim_check`: an
interface in two security zones, also through a group; a policy naming a zone that does
not exist; an IKE policy trusting an undefined ca-profile; a reference to an undefined
address, application or route-filter-list). A `set` word outside the grammar it models
(security policies, address books, applications: `sim_policy`) is a syntax error. The
PKI (`sim_pki`): files
put on the box over SFTP and the `request security pki` commands that load them.
`commit confirmed N` rolls back by itself after N "minutes" (`JunosDevice.minute`
seconds, shortened for tests) unless a later `commit` confirms.
Leaving configuration mode or losing the session discards the candidate.
"""

from __future__ import annotations

import asyncio
import re

from netorch.platforms.juniper_junos import sim_state as state
from netorch.platforms.juniper_junos.sim_check import commit_problems
from netorch.platforms.juniper_junos.sim_config import (
    compare,
    display_set,
    encrypt,
    parse,
)
from netorch.platforms.juniper_junos.sim_order import insert, place
from netorch.platforms.juniper_junos.sim_pki import (
    PendingCa,
    PkiSftp,
    PkiStore,
    answer_ca,
    pki_bad_token,
)
from netorch.platforms.juniper_junos.sim_pki import request as pki_request
from netorch.platforms.juniper_junos.sim_pki import show as pki_show
from netorch.platforms.juniper_junos.sim_policy import policy_bad_token
from netorch.sim.base import CliSession, Reply, SimDevice, caret

__all__ = ["JunosDevice", "JunosSession", "bad_token"]
SYNTAX = "syntax error.\n"
_TOP = {"system", "interfaces", "security", "protocols", "routing-options", "policy-options",
        "snmp", "firewall", "routing-instances", "groups", "chassis", "services",
        "applications", "version", "event-options", "forwarding-options", "access",
        "apply-groups", "class-of-service", "vlans", "ethernet-switching-options",
        "logical-systems", "switch-options", "bridge-domains", "poe", "virtual-chassis"}
_SECURITY = {"ike", "ipsec", "zones", "policies", "screen", "nat", "flow", "address-book",
             "pki", "log"}
_VALUES = {
    "dh-group": {"group1", "group2", "group5", "group14", "group15", "group16", "group19",
                 "group20", "group21", "group24"},
    "encryption-algorithm": {"aes-128-cbc", "aes-192-cbc", "aes-256-cbc", "aes-128-gcm",
                             "aes-256-gcm", "3des-cbc", "des-cbc"},
    "authentication-method": {"pre-shared-keys", "rsa-signatures", "ecdsa-signatures-256",
                              "ecdsa-signatures-384"},
}
_SINGLE = {"dh-group", "authentication-method", "authentication-algorithm",
           "encryption-algorithm", "lifetime-seconds", "mode", "ike-policy", "address",
           "external-interface", "local-address", "pre-shared-key", "version",
           "bind-interface", "establish-tunnels", "peer-as", "type", "autonomous-system",
           "router-id", "description", "host-name", "protocol", "keys", "interval",
           "ascii-text"}
# A security policy's action is one of these (the [edit security policies] hierarchy:
# `then { (deny | permit {...} | reject); }`, https://juniper.net/documentation/en_US/
# junos13.2/topics/reference/statement-hierarchy/security-policies.html): setting one
# replaces another. An application's ports are single values too (leaves of Juniper's
# YANG junos-es-conf-applications), unlike a firewall filter's `from destination-port`.
_ACTIONS = {"permit", "deny", "reject"}
_APPLICATION_SINGLE = {"destination-port", "source-port"}


def bad_token(words: list[str]) -> int | None:
    """Index (within `set ...`) of the word Junos would reject, or None."""
    if len(words) < 2 or words[1] not in _TOP:
        return 1
    if words[1] == "security" and (len(words) < 3 or words[2] not in _SECURITY):
        return 2
    for index, word in enumerate(words[:-1]):
        allowed = _VALUES.get(word)
        if allowed is not None and index >= 4 and words[index + 1] not in allowed:
            return index + 1
    found = policy_bad_token(words)
    return found if found is not None else pki_bad_token(words)


def _replaces(old: str, new: str) -> bool:
    a, b = old.split(), new.split()
    if a[:4] == b[:4] == ["security", "address-book", "global", "address"]:
        return len(a) == len(b) == 6 and a[4] == b[4]  # an address entry has one prefix
    if a[:2] == b[:2] == ["security", "policies"] and len(a) == len(b) and a[-2:-1] == [
            "then"] and a[:-1] == b[:-1]:
        return {a[-1], b[-1]} <= _ACTIONS
    if a[0] == b[0] == "applications" and len(a) == len(b) and a[-2] in _APPLICATION_SINGLE:
        return a[:-1] == b[:-1]
    return (len(a) == len(b) and len(a) >= 3 and a[:-1] == b[:-1] and a[-2] in _SINGLE
            and a[0] != "interfaces" and "address-set" not in a)


class JunosDevice(SimDevice):
    platform = "juniper_junos"
    minute = 60.0

    def __init__(self, name: str, **kwargs: str) -> None:
        super().__init__(name, **kwargs)
        self.active: list[str] = [f"system host-name {name}",
                                  "interfaces ge-0/0/0 unit 0 family inet dhcp"]
        self.history: list[list[str]] = []
        self.locked_by: CliSession | None = None
        self.pending: asyncio.TimerHandle | None = None
        self.extra_sas: list[tuple[str, str, str]] = []
        self.pki = PkiStore()

    def session(self) -> CliSession:
        return JunosSession(self)

    @property
    def rehearsal(self) -> bool:
        """Whether this box stands in for a real one in a rehearsal (its PKI unknown)."""
        return self.pki.assume_key_pairs

    @rehearsal.setter
    def rehearsal(self, value: bool) -> None:
        self.pki.assume_key_pairs = value

    def sftp(self, chan: object) -> PkiSftp:
        """An SFTP server into the box's files (`sim_pki`), for the SSH server's
        `sftp_factory`."""
        return PkiSftp(chan, self.pki)  # type: ignore[arg-type]

    def profiles(self) -> set[str]:
        """The ca-profiles of the committed configuration."""
        return {ln.split(" ")[3] for ln in self.active
                if ln.startswith("security pki ca-profile ")}

    def running_text(self) -> str:
        """As `show configuration | display set` prints it, `deactivate` lines included."""
        return display_set(self.active)

    def load_text(self, text: str) -> None:
        """Replace the configuration with a complete one, `display set` or curly format.

        Raises:
            ConfigParseError: a line it cannot read (nothing is loaded then).
        """
        self.active = parse(text)

    def commit(self, candidate: list[str], confirm_minutes: int | None) -> None:
        pattern = self.faults.ignore_on_commit
        applied = [ln for ln in candidate if not (pattern and re.search(pattern, ln))]
        if applied != self.active:
            self.history.insert(0, self.active)
            self.active = applied
        self._cancel()
        if confirm_minutes is not None:
            loop = asyncio.get_running_loop()
            self.pending = loop.call_later(confirm_minutes * self.minute, self._auto_rollback)

    def confirm(self) -> bool:
        was = self.pending is not None
        self._cancel()
        return was

    def _cancel(self) -> None:
        if self.pending is not None:
            self.pending.cancel()
            self.pending = None

    def _auto_rollback(self) -> None:
        self.pending = None
        if self.history:
            self.history.insert(0, self.active)
            self.active = self.history[1]
        self.commands.append("# commit confirmed: automatic rollback complete")


class JunosSession(CliSession):
    device: JunosDevice

    def __init__(self, device: JunosDevice) -> None:
        super().__init__(device)
        self.candidate: list[str] | None = None
        self.exclusive = False
        self.private = False
        self.confirm_exit = False
        self.pending_ca: PendingCa | None = None

    def banner(self) -> str:
        return "--- JUNOS 22.4R1.10 Kernel 64-bit  JNPR-12.1-20221130.0ae6f50_buil\n"

    def prompt(self) -> str:
        who = f"{self.device.username}@{self.device.name}"
        if self.confirm_exit or self.pending_ca is not None:
            return ""
        return f"\n[edit]\n{who}# " if self.candidate is not None else f"{who}> "

    def closed(self) -> None:
        self._leave()

    def handle(self, line: str) -> Reply:
        text = line.strip()
        if self.confirm_exit:
            self.confirm_exit = False
            if text in ("", "yes"):
                self._leave()
                return Reply("Exiting configuration mode\n\n")
            return Reply()
        if self.pending_ca is not None:
            pending, self.pending_ca = self.pending_ca, None
            return Reply(answer_ca(self.device.pki, pending, text))
        if not text:
            return Reply()
        return self._config(text) if self.candidate is not None else self._exec(text)

    def _exec(self, text: str) -> Reply:
        replies = {"set cli screen-width 511": "Screen width set to 511\n",
                   "set cli complete-on-space off": "Disabling complete-on-space\n",
                   "set cli screen-length 0": "Screen length set to 0\n"}
        if text in replies:
            return Reply(replies[text])
        if m := re.fullmatch(r"configure( private| exclusive)?", text):
            return self._enter(m[1] or "")
        if text in ("exit", "quit"):
            return Reply(action="drop")
        if text == "show configuration | display set":
            return Reply(self.device.running_text())
        if text == "show version":
            return Reply(f"Hostname: {self.device.name}\nModel: vsrx\nJunos: 22.4R1.10\n")
        if text == "show security ike security-associations | display json":
            return Reply(state.junos_json(self.device, "ike"))
        if text == "show bgp summary | display json":
            return Reply(state.junos_json(self.device, "bgp"))
        return self._pki(text)

    def _pki(self, text: str) -> Reply:
        shown = pki_show(self.device.pki, text)
        if shown is not None:
            return Reply(shown)
        done = pki_request(self.device.pki, text, self.device.profiles())
        if done is not None:
            reply, self.pending_ca = done
            return Reply(reply)
        return Reply(f"{caret(self.prompt(), text, 0)}\nunknown command.\n")

    def _enter(self, how: str) -> Reply:
        locked = self.device.locked_by
        if locked is not None and locked is not self:
            return Reply("error: configuration database locked by:\n  netorch terminal p0\n")
        if how == " exclusive":
            self.device.locked_by, self.exclusive = self, True
        self.private = how == " private"
        self.candidate = list(self.device.active)
        warn = "warning: uncommitted changes will be discarded on exit\n" if how else ""
        return Reply(f"{warn}Entering configuration mode\n")

    def _leave(self) -> None:
        self.candidate = None
        if self.device.locked_by is self:
            self.device.locked_by = None
        self.exclusive = False

    def _config(self, text: str) -> Reply:
        cand = self.candidate if self.candidate is not None else []
        if text.startswith("run "):
            return self._exec(text[4:])
        if text in ("exit", "exit configuration-mode", "quit"):
            if cand != self.device.active:
                self.confirm_exit = True
                return Reply("The configuration has been changed but not committed\n"
                             "Exit with uncommitted changes? [yes,no] (yes) ")
            self._leave()
            return Reply("Exiting configuration mode\n\n")
        if text.split(" ", 1)[0] in ("set", "delete", "activate", "deactivate", "insert"):
            return self._edit(cand, text)
        if m := re.fullmatch(r"rollback( \d+)?", text):
            return self._rollback(int(m[1] or 0))
        if m := re.fullmatch(r"commit( check| confirmed( \d+)?| and-quit)?", text):
            return self._commit(cand, m[1] or "", int(m[2] or 10) if m[2] or m[1] ==
                                " confirmed" else None)
        if text in ("show | compare", "show|compare"):
            return Reply(compare(self.device.active, cand))
        if text == "show | display set":
            return Reply(display_set(cand))
        return Reply(f"{caret(self.prompt().split(chr(10))[-1], text, 0)}\nunknown command.\n")

    def _edit(self, cand: list[str], text: str) -> Reply:
        words = text.split()
        bad = bad_token(words)
        if bad is not None:
            return Reply(f"{caret(self.prompt().split(chr(10))[-1], text, bad)}\n{SYNTAX}")
        if words[0] == "insert":
            error = insert(cand, words[1:])
            if error == SYNTAX:
                return Reply(f"{caret(self.prompt().split(chr(10))[-1], text, 0)}\n{SYNTAX}")
            return Reply(error)
        body = " ".join(words[1:])
        if words[0] != "set":
            return self._change(cand, words[0], body)
        body = encrypt(body)
        if body not in cand:
            old = next((i for i, ln in enumerate(cand) if _replaces(ln, body)), None)
            if old is None:
                place(cand, body)
            else:  # a single value changed keeps its place
                cand[:] = [body if i == old else ln for i, ln in enumerate(cand)
                           if i == old or not _replaces(ln, body)]
        return Reply()

    def _change(self, cand: list[str], verb: str, body: str) -> Reply:
        """`delete` (a path, with what lies below and its deactivation), `deactivate` and
        `activate` (the inactive mark of a path)."""
        def below(entry: str) -> bool:
            path = entry.split(" ", 1)[1] if entry.startswith("deactivate ") else entry
            return path == body or path.startswith(body + " ")
        present = any(below(ln) for ln in cand if not ln.startswith("deactivate "))
        if not present:
            return Reply("warning: statement not found\n")
        if verb == "delete":
            cand[:] = [ln for ln in cand if not below(ln)]
        elif verb == "activate":
            cand[:] = [ln for ln in cand if ln != f"deactivate {body}"]
        elif f"deactivate {body}" not in cand:
            cand.append(f"deactivate {body}")
        return Reply()

    def _rollback(self, number: int) -> Reply:
        configs = [self.device.active, *self.device.history]
        if number >= len(configs):
            return Reply(f"error: Cannot find rollback configuration {number}\n")
        self.candidate = list(configs[number])
        return Reply("load complete\n")

    def _commit(self, cand: list[str], how: str, minutes: int | None) -> Reply:
        if minutes is not None and self.private:
            return Reply("error: 'commit confirmed' is not supported in private mode\n")
        problems = commit_problems(cand)
        if problems:
            return Reply("".join(problems) + "error: configuration check-out failed\n")
        if how == " check":
            confirmed = self.device.confirm()
            return Reply("configuration check succeeds\n" if not confirmed else
                         "configuration check succeeds\ncommit confirmed\n")
        self.device.commit(list(cand), minutes)
        self.candidate = list(self.device.active)
        out = "configuration check succeeds\n"
        if minutes is not None:
            out += (f"commit confirmed will be automatically rolled back in {minutes} minutes "
                    "unless confirmed\n")
        out += "commit complete\n"
        if how == " and-quit":
            self._leave()
            out += "Exiting configuration mode\n"
        return Reply(out)

