"""flatcli: a line-based router CLI, added to netorch by this package alone.

The plugin: `PLATFORM` below, found through the `netorch.platforms` entry point; its
templates in `templates/` (package data); ownership and diff logic in `config`; the
deploy driver in `driver`; the verify reader in `reader`; the SSH simulator in `sim`.
Those four are "module:attribute" references, imported only when a command needs
them, so `validate`, `plan` and `render` import nothing but this module.

A flatcli running config is one object per line, `KIND NAME SETTING VALUE ...`, ended
by `end`. netorch owns exactly the objects whose names start with `PREFIX`: its
templates spell them with `owned.prefix`, its driver keeps to them.
"""

from __future__ import annotations

from pathlib import Path

from netorch.platforms import DEVICE_OPTIONS, Platform

PREFIX = "nt-"
CONFIG_FILE = "config.flat"

# What a device boots with in the simulator fleet: its name and underlay address.
SEED = """hostname {name}
interface eth0 address {ip}/29
route default via 198.51.100.9
"""

PLATFORM = Platform(
    "flatcli", "flatcli line-based router (netorch's test plugin)",
    netmiko_device_type="cisco_ios", bfd=True,
    encryption=frozenset({"aes-128-gcm", "aes-256-gcm", "aes-128-cbc", "aes-256-cbc"}),
    integrity=frozenset({"sha256", "sha384", "sha512"}),
    dh_groups=frozenset({14, 19, 20, 21}),
    tunnel_interface=PREFIX + "tun{index}", tunnel_offset=100, tunnel_max=9_999,
    loopback_interface=PREFIX + "lo", device_options=DEVICE_OPTIONS,
    config_files=(CONFIG_FILE,),
    interface_pattern=r"eth\d{1,3}(?:\.\d{1,4})?", interface_example="eth0",
    owned={"prefix": PREFIX},
    templates=Path(__file__).resolve().parent / "templates",
    driver=f"{__name__}.driver:FlatCliDriver", reader=f"{__name__}.reader:read_flatcli",
    simulator=f"{__name__}.sim:FlatCliDevice", sim_seed=SEED)
