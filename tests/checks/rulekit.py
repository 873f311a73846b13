"""Inventories for rule tests: a small valid one, changed one field at a time.

Imported by the tests beside it (pytest puts this folder on sys.path).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from netorch.checks import check
from netorch.findings import Finding
from netorch.inventory.model import Inventory


def _site(name: str, sid: int, region: str = "east",
          underlays: tuple[str, ...] = ("private", "internet")) -> dict[str, Any]:
    links = [{"underlay": u, "interface": f"GigabitEthernet{i}",
              "address": f"{'172.16' if u == 'private' else '100.80'}.{sid}.2/30",
              "next_hop": f"{'172.16' if u == 'private' else '100.80'}.{sid}.1"}
             for i, u in enumerate(underlays)]
    return {"name": name, "id": sid, "organisation": f"{name} org", "zone": "police",
            "region": region, "lan": [f"10.{sid}.0.0/16"],
            "devices": [{"name": f"{name}-r1", "platform": "cisco_iosxe",
                         "mgmt": f"192.0.2.{sid}", "links": links}]}


BASE: dict[str, Any] = {
    "fabric": {
        "name": "unit",
        "topology": {"kind": "hub-and-spoke", "hubs": ["hub"]},
        "underlays": {"private": {"preference": 10}, "internet": {"preference": 20}},
        "pools": {"tunnels": "100.64.0.0/16", "loopbacks": "100.65.0.0/22"},
        "routing": {"protocol": "bgp", "asn_base": 4200000000},
        "crypto": {"profile": "ncsc-prime", "auth": "certificate"},
    },
    "sites": [_site("hub", 1), _site("spoke", 2), _site("third", 3)],
}

GOOD_IKE = {"encryption": ["aes-256-gcm"], "prf": ["sha384"], "dh_groups": [20]}
GOOD_ESP = {"encryption": ["aes-256-gcm"], "pfs_groups": [20]}

Edit = Callable[[dict[str, Any]], object]


def build(*edits: Edit) -> Inventory:
    """The base inventory with each edit applied to (a deep copy of) its data."""
    data = copy.deepcopy(BASE)
    for edit in edits:
        edit(data)
    return Inventory.model_validate(data)


def codes(inventory: Inventory) -> list[str]:
    return [f.code for f in check(inventory)]


def only(inventory: Inventory, code: str) -> list[Finding]:
    return [f for f in check(inventory) if f.code == code]


site = _site
