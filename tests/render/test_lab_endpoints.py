"""The lab dataplane's tunnel endpoints are computed once (the linux_strongswan plugin's
`lab.endpoints`): `netorch render --dataplane lab` writes the endpoints the lab build
puts on each device's `lo`, even when a site lists its devices out of name order."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from netorch import api
from netorch.cli import main
from netorch.inventory import load
from netorch.lab.pipeline import lab_inventory
from netorch.lab.spec import LabSpec, build_spec
from netorch.platforms.linux_strongswan.lab import ENDPOINT_RANGE, plan_endpoints

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ON_LO = re.compile(r"^ip addr replace (198\.19\.[\d.]+)/32 dev lo$", re.M)
VXLAN = re.compile(r"type vxlan id \d+ local ([\d.]+) remote ([\d.]+) ")


@pytest.fixture
def reversed_site(tmp_path: Path) -> Path:
    """psk-mesh with site mesh-linux listing ml-r2 before ml-r1 (its lock file beside)."""
    text = (FIXTURES / "psk-mesh.yaml").read_text()
    r1 = text.index("      - name: ml-r1\n")
    r2 = text.index("      - name: ml-r2\n")
    end = text.index("  - name: mesh-ios\n")
    swapped = text[:r1] + text[r2:end] + text[r1:r2] + text[end:]
    assert swapped.index("name: ml-r2") < swapped.index("name: ml-r1")
    path = tmp_path / "psk-mesh.yaml"
    path.write_text(swapped)
    shutil.copy(FIXTURES / "psk-mesh.allocations.yaml", tmp_path)
    return path


def _rendered(inventory: Path, out: Path) -> dict[str, str]:
    """{device: interfaces.sh} of every linux_strongswan device, as the CLI wrote it."""
    assert main(["render", str(inventory), "--out", str(out), "--dataplane", "lab",
                 "--redact"]) == 0
    return {p.parent.name: p.read_text() for p in out.glob("*/*/interfaces.sh")}


def _spec(inventory: Path) -> LabSpec:
    return build_spec(load(inventory), "t-order")


def test_render_and_the_lab_build_agree_when_devices_are_out_of_name_order(
        reversed_site: Path, tmp_path: Path) -> None:
    spec = _spec(reversed_site)
    scripts = _rendered(reversed_site, tmp_path / "out")
    assert {"ml-r1", "ml-r2", "mn-r1"} <= set(scripts)
    for device, script in scripts.items():
        built = spec.device(device).endpoints
        assert sorted(ON_LO.findall(script)) == sorted(str(a) for a in built.values())
        ends = {str(a) for d in spec.devices for a in d.endpoints.values()}
        for local, remote in VXLAN.findall(script):
            assert local in {str(a) for a in built.values()} and remote in ends


def test_the_order_a_site_lists_its_devices_in_changes_no_endpoint(
        reversed_site: Path) -> None:
    listed = _spec(FIXTURES / "psk-mesh.yaml")
    swapped = _spec(reversed_site)
    assert {d.name: d.endpoints for d in listed.devices} == {
        d.name: d.endpoints for d in swapped.devices}


def test_the_lab_plan_has_the_spec_endpoints(reversed_site: Path) -> None:
    """What `lab up` renders from (the lab's own plan) is what it built."""
    inventory = load(reversed_site)
    spec = build_spec(inventory, "t-order")
    plan = api.plan(lab_inventory(inventory, spec))
    assert plan_endpoints(plan) == {d.name: d.endpoints for d in spec.devices}


def test_endpoints_are_unique_per_device_and_underlay() -> None:
    plan = api.plan(api.load(FIXTURES / "psk-mesh.yaml"))
    every = [a for per in plan_endpoints(plan).values() for a in per.values()]
    assert len(every) == len(set(every)) == sum(len(d.links) for d in plan.devices)
    assert all(a in ENDPOINT_RANGE for a in every)
