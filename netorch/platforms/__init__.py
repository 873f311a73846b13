"""Platforms: the one registry of everything platform-specific.

A `Platform` is a plugin: what netorch must know to plan for a kind of device (its
name, algorithms, interface naming, what it owns on a device), where its templates
are, and, by reference, its deploy driver, verify reader and SSH simulator. The four
built-ins live one per package under `netorch/platforms/` (`cisco_iosxe`,
`juniper_junos`, `fortinet_fortios`, `linux_strongswan`); a separate package adds its
own through the entry-point group `netorch.platforms`, each entry point naming a
`Platform`. No other module names a platform: render, deploy, verify, rehearse and
the simulator fleet all ask the registry.

The driver, reader and simulator are "module:attribute" references, imported only
when a command needs them: `validate`, `plan` and `render` never load the SSH stack.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from netorch.errors import UserError
from netorch.inventory.types import INTERFACE_PATTERN

if TYPE_CHECKING:
    from netorch.deploy.driver import Driver
    from netorch.plan.model import FabricPlan
    from netorch.sim.base import SimDevice
    from netorch.verify.reader import Reader

AES = frozenset({"aes-128-gcm", "aes-256-gcm", "aes-128-cbc", "aes-256-cbc", "3des", "des"})
SHA = frozenset({"sha256", "sha384", "sha512", "sha1", "md5"})
DH_GROUPS = frozenset({1, 2, 5, 14, 15, 16, 19, 20, 21, 24})
# The optional device settings every platform understands.
DEVICE_OPTIONS = frozenset({"asn", "router_id"})
# Every optional device field a platform may list in `device_options` (besides
# "link_zone", a link's `zone:`): one a platform does not list is an error in the
# inventory, and is dropped from a device moved onto that platform (the lab's).
OPTION_FIELDS = ("asn", "router_id", "loopback_interface", "tunnel_offset", "vdom", "lan_zone")
BUILTIN_PACKAGES = ("cisco_iosxe", "fortinet_fortios", "juniper_junos", "linux_strongswan")


# A platform's extra template variables: (plan, render options) -> {name: value}.
TemplateVariables = Callable[["FabricPlan", Mapping[str, object]], Mapping[str, object]]


class PluginError(UserError):
    """A platform plugin's reference cannot be loaded, or is not what it must be."""


@dataclass(frozen=True)
class Platform:
    """Everything netorch knows about one kind of device (see docs/platforms.md)."""

    name: str
    description: str
    napalm_driver: str | None = None
    netmiko_device_type: str | None = None
    bfd: bool = True
    encryption: frozenset[str] = AES
    integrity: frozenset[str] = SHA
    dh_groups: frozenset[int] = DH_GROUPS
    tunnel_interface: str = "tunnel{index}"
    # Brownfield: netorch numbers its tunnels from `tunnel_offset` (a device's own
    # `tunnel_offset:` overrides it) up to `tunnel_max`, and owns `loopback_interface`
    # (a device's `loopback_interface:` must match `loopback_pattern`). `device_options`
    # are the optional device settings the platform understands.
    tunnel_offset: int = 0
    tunnel_max: int = 2_147_483_647
    loopback_interface: str = ""
    loopback_pattern: str = r"$^"
    device_options: frozenset[str] = DEVICE_OPTIONS
    config_files: tuple[str, ...] = ("config.txt",)
    interface_pattern: str = INTERFACE_PATTERN
    interface_example: str = "eth0"
    # {output file: characters a value must not hold there unquoted}; line breaks and
    # control characters are refused in every file.
    separators: Mapping[str, str] = field(default_factory=dict)
    # The names and markers netorch gives what it creates on a device, stated once:
    # templates see them as `owned.KEY`, the driver's ownership rules read them here.
    owned: Mapping[str, str] = field(default_factory=dict)
    # The template folder; None: netorch's own `templates/<name>/`.
    templates: Path | None = None
    # "module:attribute" references, imported on first use.
    driver: str = ""      # its deploy `Driver` subclass
    reader: str = ""      # its verify reader: send -> LiveState
    simulator: str = ""   # its SSH simulator's `SimDevice` subclass
    variables: str = ""   # (plan, options) -> more template variables (see `render`)
    # A simulated device's starting config, with {name} and {ip} replaced (an address
    # on a /29 whose gateway is .9 of 198.51.100.8/29): what a fleet device boots with.
    sim_seed: str = ""
    # Where a device's certificate key comes from (certificate fabrics): "derived" from
    # the master secret by netorch (deploy delivers it), or "device": generated on the
    # box, its CSR signed with `netorch pki sign` (the key never leaves the device).
    certificate_keys: Literal["derived", "device"] = "derived"
    extra: Mapping[str, str] = field(default_factory=dict)

    def tunnel_name(self, number: int) -> str:
        """The tunnel interface with this number (offset + pool index), e.g. Tunnel1012."""
        return self.tunnel_interface.format(index=number)

    def foreign_options(self) -> tuple[str, ...]:
        """The optional device fields (`OPTION_FIELDS`) this platform does not understand.

        >>> Platform("p", "", device_options=DEVICE_OPTIONS | {"vdom"}).foreign_options()
        ('loopback_interface', 'tunnel_offset', 'lan_zone')
        """
        return tuple(f for f in OPTION_FIELDS if f not in self.device_options)

    def valid_interface(self, name: str) -> bool:
        """Whether `name` follows this platform's interface naming."""
        return re.fullmatch(self.interface_pattern, name) is not None

    def deploy_driver(self) -> type[Driver] | None:
        """Its deploy driver class, or None if it has none (render only)."""
        from netorch.deploy.driver import Driver  # noqa: PLC0415 - lazy: Nornir, SSH

        found: type[Driver] | None = _class(self, "driver", Driver) if self.driver else None
        if found is not None and found.platform != self.name:
            # its files and ownership names are looked up by the driver's platform
            raise PluginError(f"platform {self.name}: its driver {self.driver} is the "
                              f"driver of platform {found.platform!r}, not of this one")
        return found

    def verify_reader(self) -> Reader | None:
        """Its verify reader, or None if it has none."""
        reader: Reader | None = _function(self, "reader") if self.reader else None
        return reader

    def template_variables(self) -> TemplateVariables | None:
        """Its function giving its templates more variables than the plan's (the lab
        dataplane's endpoints, say), or None."""
        variables: TemplateVariables | None = (_function(self, "variables")
                                               if self.variables else None)
        return variables

    def sim_device(self) -> type[SimDevice] | None:
        """Its simulator device class, or None if netorch cannot simulate it."""
        from netorch.sim.base import SimDevice  # noqa: PLC0415 - lazy: the simulators' SSH

        found: type[SimDevice] | None = (_class(self, "simulator", SimDevice)
                                         if self.simulator else None)
        return found


def _attribute(platform: Platform, what: str) -> object:
    ref: str = getattr(platform, what)
    module, _, attribute = ref.partition(":")
    try:
        return getattr(importlib.import_module(module), attribute)
    except Exception as exc:  # a plugin's own bug (syntax, import, attribute) is reported
        raise PluginError(f"platform {platform.name}: cannot load its {what} {ref}: "
                          f"{type(exc).__name__}: {exc}") from None


def _function(platform: Platform, what: str) -> Callable[..., Any]:
    """The callable `what` refers to."""
    found = _attribute(platform, what)
    if not callable(found):
        raise PluginError(f"platform {platform.name}: {what} {getattr(platform, what)} is "
                          "not callable")
    return found


def _class(platform: Platform, what: str, base: type) -> type:
    """The class `what` refers to, checked to be a subclass of `base` (an abstract base,
    so it is passed as a plain type)."""
    found = _attribute(platform, what)
    if not (isinstance(found, type) and issubclass(found, base)):
        raise PluginError(f"platform {platform.name}: its {what} "
                          f"{getattr(platform, what)} is not a {base.__name__}")
    return found


@cache
def builtin() -> tuple[Platform, ...]:
    """netorch's own platforms, one plugin package each."""
    found = [importlib.import_module(f"{__name__}.{name}").PLATFORM
             for name in BUILTIN_PACKAGES]
    return tuple(p for p in found if isinstance(p, Platform))


@cache
def registry() -> dict[str, Platform]:
    """All platforms by name: built-ins, then those of installed plugins."""
    platforms = {p.name: p for p in builtin()}
    for ep in sorted(entry_points(group="netorch.platforms"), key=lambda e: e.name):
        plugin = _plugin(ep)
        if plugin.name in platforms:
            raise PluginError(f"plugin entry point {ep.name} = {ep.value}: platform "
                              f"{plugin.name} is already registered (a plugin adds a "
                              "platform, it never replaces one)")
        platforms[plugin.name] = plugin
    return dict(sorted(platforms.items()))


def _plugin(ep: EntryPoint) -> Platform:
    """The `Platform` an entry point names, checked before anything uses it."""
    where = f"plugin entry point {ep.name} = {ep.value}"
    try:
        plugin = ep.load()
    except Exception as exc:  # one broken package must say so, not crash every command
        raise PluginError(f"{where}: cannot load it: {type(exc).__name__}: {exc}") from None
    if not isinstance(plugin, Platform):
        raise PluginError(f"{where}: names a {type(plugin).__name__}, not a "
                          "netorch.platforms.Platform")
    problem = _problem(plugin, ep.name)
    if problem:
        raise PluginError(f"{where}: {problem}")
    return plugin


def _problem(plugin: Platform, name: str) -> str | None:
    """What is wrong with a plugin's `Platform`, if anything: what would otherwise fail
    later, on a device, as a traceback."""
    if plugin.name != name:
        return f"the entry point's name must be the platform's name ({plugin.name!r})"
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,62}", plugin.name):
        return "a platform name is lower-case letters, digits and '_'"
    try:
        re.compile(plugin.interface_pattern)
        re.compile(plugin.loopback_pattern)
        plugin.tunnel_name(0)
    except (re.error, KeyError, IndexError, ValueError) as exc:
        return f"bad interface_pattern, loopback_pattern or tunnel_interface: {exc}"
    if plugin.driver and not plugin.netmiko_device_type:
        return "a platform with a driver needs its netmiko_device_type"
    return None


def known_platforms() -> list[str]:
    return list(registry())
