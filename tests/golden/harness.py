"""Golden files of rendered configs: which inventories, where their goldens live, rendering.

Layout: `tests/golden/<platform>/<prefix>/<site>/<device>/<file>`, where the example
inventory has no prefix and each fixture its own (`fixtures/<name>`, or
`lab/<name>` for the lab dataplane). Always rendered with `redact=True`: no key is
ever in a golden.

Shared by `test_golden.py` and `update.py` (imported as a plain module by the
latter, so no relative imports here).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from netorch import api
from netorch.errors import UserError
from netorch.pki import FabricPki
from netorch.plan.model import FabricPlan
from netorch.render import Renderer, RenderOptions

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent
FIXTURES = ROOT / "tests" / "fixtures"


@dataclass(frozen=True)
class Case:
    """One inventory rendered one way; its goldens live under `<platform>/<prefix>`."""

    name: str
    inventory: Path
    prefix: str = ""
    dataplane: str = "kernel"
    platforms: tuple[str, ...] = ()  # empty = every platform with templates

    def folder(self, platform: str) -> Path:
        base = GOLDEN / platform
        return base / self.prefix if self.prefix else base

    def wants(self, platform: str) -> bool:
        return not self.platforms or platform in self.platforms


CASES: tuple[Case, ...] = (
    Case("eastern-region", ROOT / "inventories" / "eastern-region"),
    Case("psk-mesh", FIXTURES / "psk-mesh.yaml", prefix="fixtures/psk-mesh"),
    Case("cnsa-regional", FIXTURES / "cnsa-regional.yaml", prefix="fixtures/cnsa-regional"),
    Case("lab-psk-mesh", FIXTURES / "psk-mesh.yaml", prefix="lab/psk-mesh", dataplane="lab",
         platforms=("linux_strongswan",)),
)


@cache
def plan_of(inventory: Path) -> FabricPlan:
    return api.plan(api.load(inventory))


@cache
def pki_of(inventory: Path) -> FabricPki | None:
    """The inventory's PKI folder (certificates in the goldens), None without one."""
    return api.load_pki(api.load(inventory))


def has_templates(platform: str) -> bool:
    """Whether netorch ships templates for `platform` yet (others are skipped)."""
    try:
        return bool(Renderer().files(platform))
    except UserError:
        return False


def devices_of(case: Case, platform: str) -> list[tuple[str, str]]:
    """(site, device) of every device of `platform` in the case's plan, in plan order."""
    return [(d.site, d.name) for d in plan_of(case.inventory).devices if d.platform == platform]


@cache
def rendered(case: Case, platform: str) -> dict[str, dict[str, str]]:
    """Every device of `platform` rendered redacted: {device: {file: text}}."""
    plan = plan_of(case.inventory)
    devices = {name for _, name in devices_of(case, platform)}
    return api.render(plan, redact=True, options=RenderOptions(dataplane=case.dataplane,
                                                               pki=pki_of(case.inventory)),
                      devices=devices)


def expected(folder: Path) -> dict[str, str]:
    """The golden files of one device folder (not `.actual` leftovers)."""
    if not folder.is_dir():
        return {}
    return {p.name: p.read_text() for p in sorted(folder.iterdir())
            if p.is_file() and not p.name.endswith(".actual")}


def unified(name: str, want: str, got: str) -> str:
    return "".join(difflib.unified_diff(want.splitlines(keepends=True),
                                        got.splitlines(keepends=True),
                                        fromfile=f"golden/{name}", tofile=f"rendered/{name}"))


def platforms() -> list[str]:
    from netorch.platforms import known_platforms

    return known_platforms()
