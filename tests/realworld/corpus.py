"""The real-world corpus as a fabric: one site per public running config, for rehearsal.

`manifest.yaml` describes each config (its platform, an underlay interface it has, and
what it already runs: a BGP ASN, a router-id, the zone of that interface, a VDOM).
`inventory(folder, resolved=...)` writes a single-file inventory with one site per
config (device name = file name), hub-and-spoke with the first two sites as hubs:

- `resolved=False`: netorch's defaults only, so rehearsal finds the conflicts;
- `resolved=True`: each conflict's resolving setting from the manifest (`asn:`,
  `router_id:`, a link's `zone:`, `vdom:`), so rehearsal must come out clean.

Run it to print the corpus table: `python tests/realworld/corpus.py`.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "manifest.yaml"


@dataclass(frozen=True)
class Config:
    name: str
    platform: str
    path: Path
    entry: dict[str, Any]

    @property
    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")


def configs() -> list[Config]:
    """Every corpus config in the manifest, in manifest order."""
    entries = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    if isinstance(entries, dict):
        entries = entries.get("configs", list(entries.values()))
    out = []
    for entry in entries:
        path = HERE / entry["file"]
        out.append(Config(path.stem, entry["platform"], path, entry))
    return out


def _device(config: Config, index: int, resolved: bool) -> dict[str, Any]:
    subnet = ipaddress.IPv4Network("198.51.100.0/24").subnets(new_prefix=29)
    net = list(subnet)[index] if index < 32 else list(
        ipaddress.IPv4Network("203.0.113.0/24").subnets(new_prefix=29))[index - 32]
    hosts = list(net.hosts())
    link: dict[str, Any] = {"underlay": "internet", "interface": config.entry["underlay_interface"],
                            "address": f"{hosts[1]}/{net.prefixlen}", "next_hop": str(hosts[0])}
    device: dict[str, Any] = {"name": config.name, "platform": config.platform,
                              "mgmt": f"192.0.2.{index + 1}", "links": [link]}
    if resolved:
        entry = config.entry
        if entry.get("bgp_asn"):
            device["asn"] = int(entry["bgp_asn"])
        if entry.get("router_id"):
            device["router_id"] = str(entry["router_id"])
        if entry.get("zone") and config.platform == "juniper_junos":
            link["zone"] = str(entry["zone"])
        if entry.get("vdom") and config.platform == "fortinet_fortios":
            device["vdom"] = str(entry["vdom"])
    return device


def inventory(folder: Path, *, resolved: bool) -> Path:
    """A single-file inventory of the corpus in `folder` (the lock file is the caller's)."""
    corpus = configs()
    sites = [{"name": f"site-{c.name}"[:63].rstrip("-"), "id": i + 1,
              "organisation": "Corpus", "zone": "police", "region": "east",
              "lan": [f"10.{100 + i}.0.0/16"], "devices": [_device(c, i, resolved)]}
             for i, c in enumerate(corpus)]
    fabric = {"name": "corpus", "topology": {"kind": "hub-and-spoke",
                                             "hubs": [s["name"] for s in sites[:2]]},
              "underlays": {"internet": {"preference": 10}},
              "pools": {"tunnels": "100.64.0.0/20", "loopbacks": "100.65.0.0/24"},
              "routing": {"protocol": "bgp", "asn_base": 4200000000},
              "crypto": {"profile": "ncsc-prime", "auth": "psk"}}
    path = folder / "corpus.yaml"
    path.write_text(yaml.safe_dump({"fabric": fabric, "sites": sites}, sort_keys=False))
    return path


def running(folder: Path) -> Path:
    """A folder of DEVICE.cfg files, one per corpus config."""
    out = folder / "running"
    out.mkdir(parents=True, exist_ok=True)
    for config in configs():
        (out / f"{config.name}.cfg").write_bytes(config.path.read_bytes())
    return out


if __name__ == "__main__":
    for c in configs():
        print(f"{c.platform:<18} {c.name:<40} {len(c.text.splitlines()):>6}")
