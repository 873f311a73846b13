"""The lab runs the production linux_strongswan templates: rendered with `dataplane="lab"`
and without, a device's files differ only in the kinds of line docs/lab.md lists (the
tunnel device and what follows from it, BFD timers, the lab-only strongswan.conf).
Both carry the far-end routes, the LAN anchors and the MSS clamp."""

from __future__ import annotations

import difflib
import re
from functools import cache
from pathlib import Path

import pytest

from netorch import api
from netorch.inventory import load
from netorch.lab.pipeline import lab_inventory
from netorch.lab.spec import build_spec
from netorch.plan.model import FabricPlan
from netorch.render import RenderOptions

REPO = Path(__file__).resolve().parent.parent
INVENTORIES = {"eastern-region": REPO / "inventories" / "eastern-region",
               "psk-mesh": REPO / "tests" / "fixtures" / "psk-mesh.yaml",
               "cnsa-regional": REPO / "tests" / "fixtures" / "cnsa-regional.yaml"}
LAB_ONLY_FILES = {"strongswan.conf"}
# a tunnel interface in the policy's set of them, or its entry in the map of source checks
_TUNNEL_ELEMENT = r'"(xfrm|vx)\d+"( : jump policy-from-[a-z0-9-]+)?'
# Every kind of line the lab renders differently; docs/lab.md names each (its heading).
DIFFERENCES: dict[str, tuple[str, re.Pattern[str]]] = {
    "tunnel device": ("interfaces.sh", re.compile(
        r"ip link show \S+ >/dev/null 2>&1 \|\| ip link add \S+ type "
        r"(xfrm dev \S+ if_id \d+|vxlan id \d+ local \S+ remote \S+ dstport 4789 nolearning)"
        r"|ip link set (xfrm|vx)\d+ mtu (1400|1300) up"
        r"|ip addr replace [\d.]+/31 dev (xfrm|vx)\d+"
        r"|# \S+--\S+--\S+|# one XFRM interface .*|# lab tunnel device: .*|# CHILD_SAs .*")),
    "endpoint /32s on lo": ("interfaces.sh", re.compile(
        r"ip addr replace 198\.19\.[\d.]+/32 dev lo")),
    "tunnel device name": ("swanctl.conf", re.compile(
        r" {4}# \S+, (hub-hub|hub-spoke|mesh), \S+ \(rank \d+\), (xfrm|vx)\d+")),
    "if_id": ("swanctl.conf", re.compile(r" {4}if_id_(in|out) = \d+")),
    "CHILD_SA selectors": ("swanctl.conf", re.compile(
        r" {8}(local|remote)_ts = (0\.0\.0\.0/0|198\.19\.[\d.]+/32)")),
    "BFD timers": ("frr.conf", re.compile(r" {2}(receive|transmit)-interval (100|300)")),
    "policy tunnel set": ("interfaces.sh", re.compile(
        rf" {{4}}elements = \{{ {_TUNNEL_ELEMENT}(, {_TUNNEL_ELEMENT})* \}}")),
}


@cache
def _plan(name: str) -> FabricPlan:
    inventory = load(INVENTORIES[name])
    return api.plan(lab_inventory(inventory, build_spec(inventory, f"t-{name}")))


@cache
def _rendered(name: str, dataplane: str) -> dict[str, dict[str, str]]:
    return api.render(_plan(name), redact=True, options=RenderOptions(dataplane=dataplane))


def _changed(before: str, after: str) -> list[str]:
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
    return [line[1:] for line in diff
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def _kind(file: str, line: str) -> str | None:
    return next((kind for kind, (where, pattern) in DIFFERENCES.items()
                 if where == file and pattern.fullmatch(line)), None)


@pytest.mark.parametrize("name", sorted(INVENTORIES))
def test_lab_differs_from_production_only_in_the_listed_kinds(name: str) -> None:
    production, lab = _rendered(name, "kernel"), _rendered(name, "lab")
    unexplained, seen = [], set()
    for device, files in production.items():
        assert set(lab[device]) - set(files) == LAB_ONLY_FILES
        for file, text in files.items():
            for line in _changed(text, lab[device][file]):
                kind = _kind(file, line)
                seen.add(kind)
                if kind is None:
                    unexplained.append(f"{device}/{file}: {line!r}")
    assert not unexplained, "\n".join(unexplained[:20])
    assert seen <= set(DIFFERENCES)


@pytest.mark.parametrize("dataplane", ["kernel", "lab"])
def test_both_dataplanes_route_far_ends_anchor_lans_and_clamp_mss(dataplane: str) -> None:
    plan = _plan("eastern-region")
    rendered = _rendered("eastern-region", dataplane)
    for device in plan.devices:
        files = rendered[device.name]
        for end in _far_ends(plan, device.name):
            assert end in files["interfaces.sh"], (device.name, end)
        assert "tcp flags syn tcp option maxseg size set rt mtu" in files["interfaces.sh"]
        assert "sysctl -qw net.ipv4.conf.all.rp_filter=2" in files["interfaces.sh"]
        for lan in plan.sites[[s.name for s in plan.sites].index(device.site)].lan:
            assert f"\nip route {lan} blackhole 254\n" in files["frr.conf"]


def _far_ends(plan: FabricPlan, device: str) -> set[str]:
    """`ip route replace PEER/32 via NEXT_HOP dev IF` for each peer endpoint of `device`."""
    links = {k.interface: k for k in plan.device(device).links}
    out = set()
    for t in plan.tunnels:
        for local, remote in ((t.a, t.b), (t.b, t.a)):
            if local.device == device:
                link = links[local.underlay_interface]
                out.add(f"ip route replace {remote.endpoint}/32 via {link.next_hop} "
                        f"dev {link.interface}\n")
    return out


def test_docs_list_every_difference() -> None:
    section = (REPO / "docs" / "lab.md").read_text().partition(
        "## What the lab runs differently")[2].partition("\n## ")[0]
    missing = [kind for kind in DIFFERENCES if f"**{kind}**" not in section]
    assert section and not missing, missing
    assert "**strongswan.conf**" in section
