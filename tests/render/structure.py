"""Shared by the per-platform structural checks: the cases, their plans and configs."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from netorch import api
from netorch.plan.model import FabricPlan
from netorch.platforms import registry

ROOT = Path(__file__).resolve().parents[2]
INVENTORIES = {
    "eastern-region": ROOT / "inventories" / "eastern-region",
    "psk-mesh": ROOT / "tests" / "fixtures" / "psk-mesh.yaml",
    "cnsa-regional": ROOT / "tests" / "fixtures" / "cnsa-regional.yaml",
}


@cache
def plan_of(case: str) -> FabricPlan:
    return api.plan(api.load(INVENTORIES[case]))


@cache
def configs(case: str, platform: str) -> dict[str, str]:
    """{device: its one config file} for the devices of `platform` (keys redacted)."""
    plan = plan_of(case)
    devices = {d.name for d in plan.devices if d.platform == platform}
    [config_file] = registry()[platform].config_files
    return {name: files[config_file] for name, files in
            api.render(plan, redact=True, devices=devices).items()}


def cases(platform: str) -> list[object]:
    """One pytest param per (case, device of `platform`), id `case/device`."""
    return [pytest.param(case, d.name, id=f"{case}/{d.name}")
            for case in INVENTORIES for d in plan_of(case).devices if d.platform == platform]


def planned_interfaces(case: str, device: str) -> set[str]:
    """The tunnel interfaces the plan gives `device`."""
    return {t.a.interface if t.a.device == device else t.b.interface
            for t in plan_of(case).tunnels_of(device)}


def sample(platform: str) -> str:
    """A PSK config of `platform` to break on purpose."""
    return next(iter(configs("psk-mesh", platform).values()))
