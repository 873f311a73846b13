"""`--limit GLOB`: which devices a command works on. One matcher for every command that
has the option (render, diff, deploy, verify, rehearse): a glob matches a device's name
or its site's name, and a glob that matches nothing is a usage error that says so."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Sequence
from typing import Protocol, TypeVar

from netorch.errors import UsageError
from netorch.inventory.errors import did_you_mean


class Named(Protocol):
    """A device as `--limit` sees it (a plan's `DevicePlan`, a deploy target)."""

    @property
    def name(self) -> str: ...
    @property
    def site(self) -> str: ...


D = TypeVar("D", bound=Named)


def matches(device: Named, pattern: str) -> bool:
    """Whether `pattern` (a glob, case-sensitive) matches the device's or its site's name.

    >>> class R: name, site = "ess-hq-r1", "essex-hq"
    >>> matches(R(), "essex-*"), matches(R(), "ess-hq-r[12]"), matches(R(), "essex")
    (True, True, False)
    """
    return fnmatch.fnmatchcase(device.name, pattern) or fnmatch.fnmatchcase(device.site,
                                                                            pattern)


def limit_devices(devices: Iterable[D], patterns: Sequence[str] | None) -> list[D]:
    """The devices any of `patterns` matches, in their order (all of them without
    patterns).

    Raises:
        UsageError: a pattern matches no device and no site; it is named, with the
            nearest name when there is one.
    """
    everything = list(devices)
    if not patterns:
        return everything
    for pattern in patterns:
        if not any(matches(d, pattern) for d in everything):
            names = sorted({n for d in everything for n in (d.name, d.site)})
            raise UsageError(f"--limit {pattern}: no such site or device"
                             f"{did_you_mean(pattern, names)}")
    return [d for d in everything if any(matches(d, p) for p in patterns)]
