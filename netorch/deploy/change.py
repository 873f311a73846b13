"""Pure config logic per platform: which part netorch manages, and what to send to change it.

Every platform module offers the same three functions, all pure (text in, text out),
so a diff can be computed, shown and tested without a device:

- `managed(running)`: the part of a running config netorch owns, canonical text;
- `plan_change(running, intended) -> Change`: the diff to show, the commands to send,
  and the conflicts that forbid sending them;
- `lines(text)`: every line of a config as a full path (parents joined by ` > `), key
  values masked, so two configs can be compared line by line (rehearse counts the
  operator's lines a deploy changed this way);
- the driver (a `netorch.deploy.driver.Driver`, named by the platform plugin) sends
  them and handles commit and rollback.

Ownership is by name: netorch changes and removes only objects whose names it generated,
and inside shared sections (BGP, routing options, zones) only its own lines. Where
the device already has something netorch would have to overwrite (another BGP ASN, a
router-id, a tunnel number or a name in use by the operator), the change carries a
`Conflict` and is not sent.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field


class ConfigParseError(ValueError):
    """A running-config line that cannot be read completely: `line` is 1-based, the
    message says why and quotes the line (shortened). Nothing is ever dropped silently:
    a diff or a rehearsal on a half-read config would prove nothing."""

    def __init__(self, line: int, why: str, text: str = "") -> None:
        quoted = f": {text.strip()[:80]!r}" if text.strip() else ""
        super().__init__(f"line {line}: {why}{quoted}")
        self.line = line
        self.message = f"{why}{quoted}"


@dataclass(frozen=True)
class Conflict:
    """Something on the device that netorch would have to overwrite: refused, not sent.

    `line` is the running-config line in the way, `reason` what is wrong with it, and
    `resolve` the inventory setting that makes netorch fit beside it, e.g.
    "set `asn: 65000` on the device to join its BGP process"."""

    line: str
    reason: str
    resolve: str

    def __str__(self) -> str:
        return f"{self.line}: {self.reason}; {self.resolve}"

    def as_dict(self) -> dict[str, str]:
        return {"line": self.line, "reason": self.reason, "resolve": self.resolve}


@dataclass(frozen=True)
class Change:
    """What a deploy would do to one device: a readable diff and the commands to send.
    With `conflicts`, the commands are shown but never sent."""

    diff: str = ""
    commands: list[str] = field(default_factory=list)
    conflicts: tuple[Conflict, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.commands)


def unified(before: str, after: str, name: str) -> str:
    """A unified diff of two config texts, labelled running/intended.

    >>> print(unified("a\\nb\\n", "a\\nc\\n", "config"), end="")
    --- running/config
    +++ intended/config
    @@ -2 +2 @@
    -b
    +c
    """
    lines = difflib.unified_diff(before.splitlines(), after.splitlines(),
                                 f"running/{name}", f"intended/{name}", n=0, lineterm="")
    return "".join(line + "\n" for line in lines)
