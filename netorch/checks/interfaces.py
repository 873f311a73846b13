"""Underlay interface names in each device platform's own naming."""

from __future__ import annotations

from collections.abc import Iterator

from netorch.checks.context import Context
from netorch.findings import Finding, error
from netorch.platforms import registry


def interface_naming(ctx: Context) -> Iterator[Finding]:
    """An error at every link whose interface the device's platform cannot name; devices
    of an unknown platform are left to the platform rule."""
    platforms = registry()
    for ref in ctx.links():
        platform = platforms.get(ref.device.platform)
        if platform is None or platform.valid_interface(ref.link.interface):
            continue
        yield error("interface-name", f"'{ref.link.interface}' is not a {platform.name} "
                    f"interface name: use the platform's own naming, e.g. "
                    f"{platform.interface_example}", ctx.at(*ref.path, "interface"))


RULES = (interface_naming,)
