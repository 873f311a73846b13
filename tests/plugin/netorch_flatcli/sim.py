"""A simulated flatcli router for netorch's SSH simulator.

The device holds its running config as object lines by key (`config.parse`), and named
checkpoints. A session is in exec mode (`NAME#`) or configure mode
(`NAME(config)#`), where it edits its own candidate: `commit` makes the candidate the
running config at once, leaving configure mode throws an uncommitted one away. The
device refuses, with a `% ` line, what a real CLI would: an unknown command or kind,
odd settings, removing what does not exist or what another line still names.

Live state follows the config: each `tunnel` shows an SA up and each `bgp-neighbor`
an Established session with one prefix, unless the `sas_down` fault is set.
"""

from __future__ import annotations

import re

from netorch.sim.base import CliSession, Reply, SimDevice

from . import config


def _settings(line: str) -> dict[str, str]:
    words = line.split()
    return dict(zip(words[2::2], words[3::2], strict=True))


class FlatCliDevice(SimDevice):
    platform = "flatcli"

    def __init__(self, name: str, **kwargs: str) -> None:
        super().__init__(name, **kwargs)
        self.config: dict[config.Key, str] = {("hostname",): f"hostname {name}"}
        self.checkpoints: dict[str, dict[config.Key, str]] = {}

    def session(self) -> CliSession:
        return FlatCliSession(self)

    def running_text(self) -> str:
        return "".join(line + "\n" for line in self.config.values()) + "end\n"

    def load_text(self, text: str) -> None:
        self.config = config.parse(text)  # a line it cannot read: ConfigParseError

    def ipsec_sa(self) -> str:
        rows = [] if self.faults.sas_down else [
            (key[1], s.get("local", "-"), s.get("remote", "-"), "up")
            for key, line in self.config.items() if key[0] == "tunnel"
            for s in [_settings(line)]]
        return "NAME LOCAL REMOTE STATE\n" + "".join(" ".join(r) + "\n" for r in rows)

    def bgp_summary(self) -> str:
        state, count = ("Active", "-") if self.faults.sas_down else ("Established", "1")
        rows = [(s.get("address", "-"), s.get("remote-as", "-"), state, count)
                for key, line in self.config.items() if key[0] == "bgp-neighbor"
                for s in [_settings(line)]]
        return "NEIGHBOR AS STATE PREFIXES\n" + "".join(" ".join(r) + "\n" for r in rows)


class FlatCliSession(CliSession):
    device: FlatCliDevice

    def __init__(self, device: FlatCliDevice) -> None:
        super().__init__(device)
        self.candidate: dict[config.Key, str] | None = None  # in configure mode

    def prompt(self) -> str:
        return f"{self.device.name}{'(config)' if self.candidate is not None else ''}#"

    def handle(self, line: str) -> Reply:
        text = " ".join(line.split())
        if not text:
            return Reply()
        if self.candidate is not None:
            return self._configure(text, self.candidate)
        return self._exec(text)

    def _exec(self, text: str) -> Reply:
        shows = {"show running-config": self.device.running_text,
                 "show ipsec sa": self.device.ipsec_sa,
                 "show bgp summary": self.device.bgp_summary}
        if text in shows:
            return Reply(shows[text]())
        if re.fullmatch(r"terminal (length|width) \d+", text):
            return Reply()
        if text == "configure terminal":
            self.candidate = dict(self.device.config)
            return Reply()
        if text == "exit":
            return Reply(action="drop")
        words = text.split()
        if len(words) == 3 and words[0] == "checkpoint":
            return self._checkpoint(words[1], words[2])
        return _invalid(words[0])

    def _checkpoint(self, verb: str, name: str) -> Reply:
        if verb == "save":
            self.device.checkpoints[name] = dict(self.device.config)
            return Reply(f"Checkpoint {name} saved\n")
        if verb == "restore" and name in self.device.checkpoints:
            self.device.config = dict(self.device.checkpoints[name])
            return Reply(f"Checkpoint {name} restored\n")
        return _invalid(name if verb == "restore" else verb)

    def _configure(self, text: str, candidate: dict[config.Key, str]) -> Reply:
        words = text.split()
        if text in ("end", "exit"):
            changed = candidate != self.device.config
            self.candidate = None
            return Reply("Uncommitted changes discarded\n" if changed else "")
        if text == "commit":
            self.device.config = dict(candidate)
            return Reply("Commit complete\n")
        if words[0] == "no":
            return self._remove(words[1:], candidate)
        why = config.problem(words)
        if why is not None:
            return Reply(f"% Invalid input: {why}\n")
        ignored = self.device.faults.ignore_on_commit
        if not (ignored and re.search(ignored, text)):
            candidate[config.key(words)] = text
        return Reply()

    def _remove(self, words: list[str], candidate: dict[config.Key, str]) -> Reply:
        if not words or words[0] not in config.KINDS or len(words) > 2:
            return _invalid(words[0] if words else "no")
        key = tuple(words)
        if key not in candidate:
            return Reply(f"% Invalid input: no {' '.join(words)} to remove\n")
        users = [k for k, line in candidate.items()
                 if k != key and len(words) == 2 and words[1] in line.split()[2:]]
        if users:
            return Reply(f"% In use by {' '.join(users[0])}\n")
        del candidate[key]
        return Reply()


def _invalid(word: str) -> Reply:
    return Reply(f"% Invalid input at '{word}'\n")
