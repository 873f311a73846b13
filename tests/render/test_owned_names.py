"""What a platform owns on a device is stated once, in its plugin's `owned`: templates see
that mapping as `owned`, and its deploy ownership rules read the same values."""

from __future__ import annotations

import pytest

from netorch.platforms import builtin, registry
from netorch.platforms.cisco_iosxe import bgp as ios_bgp
from netorch.platforms.cisco_iosxe import config as ios
from netorch.platforms.cisco_iosxe import routes as ios_routes
from netorch.platforms.fortinet_fortios import names as fortios
from netorch.platforms.juniper_junos import text as junos
from netorch.platforms.juniper_junos import zones as junos_zones
from netorch.platforms.linux_strongswan import driver as linux
from netorch.render import Renderer


@pytest.mark.parametrize("platform", [p.name for p in builtin()])
def test_templates_see_the_plugins_owned_names(platform: str) -> None:
    owned = registry()[platform].owned
    assert owned, f"{platform} states what it owns"
    assert vars(Renderer().env(platform).globals["owned"]) == owned


def test_ownership_rules_read_the_same_names() -> None:
    ios_owned = registry()["cisco_iosxe"].owned
    assert ios.PREFIX == ios_routes.PREFIX == ios_owned["prefix"]
    assert ios.MARKER == ios_bgp.MARKER == ios_owned["marker"]
    junos_owned = registry()["juniper_junos"].owned
    want = tuple(junos_owned[k] for k in ("prefix", "marker", "static_tag", "vpn_zone"))
    assert want == (junos.PREFIX, junos.MARKER, junos.STATIC_TAG, junos_zones.VPN_ZONE)
    forti_owned = registry()["fortinet_fortios"].owned
    assert forti_owned["prefix"] == fortios.PREFIX
    assert forti_owned["marker"] == fortios.MARKER
    assert fortios.RESERVED_IDS.start == int(forti_owned["id_base"])
    header = f"# Rendered by {registry()['linux_strongswan'].owned['name']} 1.0\n"
    assert linux.foreign("swanctl.conf", header + "connections {}\n") is None
