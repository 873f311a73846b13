"""Pure config logic per platform: which part netorch manages, and what to send to change it.

Every platform module offers the same three functions, all pure (text in, text out),
so a diff can be computed, shown and tested without a device:

- `managed(running)`: the part of a running config netorch owns, canonical text;
- `plan_change(running, intended) -> Change`: the diff to show and the commands to send;
- the driver (`netorch.deploy.drivers`) sends them and handles commit and rollback.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Change:
    """What a deploy would do to one device: a readable diff and the commands to send."""

    diff: str = ""
    commands: list[str] = field(default_factory=list)

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
