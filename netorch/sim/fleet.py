"""Ready-made simulated devices with realistic underlay configs, for tests and the benchmark.

Every platform whose plugin names a `simulator` can be simulated; it boots with the
plugin's `sim_seed` config.
"""

from __future__ import annotations

from netorch.platforms import registry
from netorch.sim.base import SimDevice


def device_class(platform: str) -> type[SimDevice] | None:
    """The simulator class of `platform`, if its plugin has one."""
    plugin = registry().get(platform)
    return plugin.sim_device() if plugin else None


def simulated() -> list[str]:
    """The platforms netorch can simulate, by name."""
    return [name for name, plugin in registry().items() if plugin.simulator]


def make(platform: str, name: str, ip: str) -> SimDevice:
    """A device of `platform` named `name` with its underlay address `ip`."""
    cls = device_class(platform)
    if cls is None:
        raise ValueError(f"netorch has no simulator for {platform}")
    device = cls(name)
    seed = registry()[platform].sim_seed  # may hold braces of its own: no str.format
    device.load_text(seed.replace("{name}", name).replace("{ip}", ip))
    return device
