"""Build small inventories in Python for planner tests."""

from __future__ import annotations

from typing import Any

from netorch.inventory.model import Inventory

PLATFORMS = ("cisco_iosxe", "juniper_junos", "fortinet_fortios", "linux_strongswan")


def site(sid: int, *, region: str = "east", devices: int = 1, underlays: tuple[str, ...] = (
        "private", "internet"), platform: str = "cisco_iosxe", nat: bool = False
         ) -> dict[str, Any]:
    """Site `s<id>` with LAN 10.<hi>.<lo>.0/24 and one link per underlay per device."""
    hi, lo = divmod(sid, 256)
    devs = []
    for d in range(devices):
        links = []
        for u, underlay in enumerate(underlays):
            base = 4 * d
            net = f"172.{16 + u}.{sid % 256}" if sid < 256 else f"172.{16 + u}.{hi}"
            link = {"underlay": underlay, "interface": f"eth{u}",
                    "address": f"{net}.{base + 2}/30", "next_hop": f"{net}.{base + 1}"}
            if nat and underlay == "internet":
                link["public"] = f"203.0.{hi}.{lo}"
            links.append(link)
        devs.append({"name": f"s{sid}-r{d + 1}", "platform": platform,
                     "mgmt": f"127.0.{hi}.{lo}:{2200 + d}", "links": links})
    return {"name": f"s{sid}", "id": sid, "organisation": f"org{sid % 3}", "zone": "police",
            "region": region, "lan": [f"10.{hi}.{lo}.0/24"], "devices": devs}


def inventory(sites: list[dict[str, Any]], *, kind: str = "hub-and-spoke",
              hubs: list[str] | None = None, tunnels: str = "100.64.0.0/16",
              loopbacks: str = "100.65.0.0/20", crypto: dict[str, Any] | None = None,
              cross_underlay: bool = False, quarantine: str | None = None) -> Inventory:
    topology: dict[str, Any] = {"kind": kind}
    if kind != "full-mesh":
        topology["hubs"] = hubs if hubs is not None else [sites[0]["name"]]
    fabric = {
        "name": "test", "topology": topology,
        "underlays": {"private": {"preference": 10}, "internet": {"preference": 20}},
        "cross_underlay": cross_underlay,
        "pools": {"tunnels": tunnels, "loopbacks": loopbacks,
                  **({"quarantine": quarantine} if quarantine else {})},
        "routing": {"asn_base": 4200000000},
        "crypto": crypto or {"profile": "ncsc-prime", "auth": "psk"},
    }
    return Inventory.model_validate({"fabric": fabric, "sites": sites})
