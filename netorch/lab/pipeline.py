"""The lab's fabric built by netorch itself: plan, render (lab dataplane), deploy over SSH.

Every device becomes a `linux_strongswan` router reached at its lab management
address; the configs are rendered with `RenderOptions(dataplane="lab")` and pushed
by `netorch.deploy` to each namespace's sshd, the production code path. A certificate
fabric runs with certificates: the lab makes its own PKI in its workdir (`labpki`) and
renders with it, so deploy delivers each device's CA, certificate, CRL and key.
"""

from __future__ import annotations

import re
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from netorch import api
from netorch.deploy import (
    Credentials,
    DeployOptions,
    DeployResult,
    DeviceTarget,
    SilentReporter,
    build_targets,
    deploy_fabric,
)
from netorch.deploy.tiers import verify_check
from netorch.findings import InventoryError
from netorch.inventory.model import Inventory
from netorch.keys import Secret, load_secret
from netorch.lab import labpki, zebra
from netorch.lab.errors import LabError
from netorch.lab.runtime import Runtime
from netorch.lab.spec import LabSpec, linux_device
from netorch.pki import FabricPki
from netorch.plan.model import FabricPlan
from netorch.platforms.linux_strongswan import PLATFORM
from netorch.render import RenderOptions, render

LAB_PLATFORM = PLATFORM.name  # the one platform the lab runs
SECRET_FILE = "secret"
SETTLE_LOG = "settle.log"
SETTLE_WORKERS = 8


@dataclass(frozen=True)
class Deployed:
    plan: FabricPlan
    result: DeployResult
    zebra_fixes: int


def lab_inventory(inventory: Inventory, spec: LabSpec) -> Inventory:
    """The inventory as the lab runs it: every device Linux, reached at its lab address.
    Its authentication is the fabric's: PSKs, or certificates of the lab's own PKI."""
    sites = []
    for site in inventory.sites:
        devices = [linux_device(d, spec.device(d.name), LAB_PLATFORM) for d in site.devices]
        sites.append(site.model_copy(update={"devices": devices}))
    lab = inventory.model_copy(update={"sites": sites})
    lab._source = inventory.source
    lab._path = inventory.path
    return lab


def lab_secret(workdir: Path, secret_file: Path | None = None) -> Secret:
    """The PSK master secret: the user's if given, else one made for this lab."""
    given = load_secret(secret_file, required=False)
    if given is not None:
        return given
    path = workdir / SECRET_FILE
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_hex(32))
    return Secret(path.read_text().strip().encode())


def require_lock(inventory: Inventory) -> None:
    """Refuse (`UserError`) without an up-to-date lock file: the lab runs production's
    addresses, so what it proves is what production runs."""
    api.locked_allocations(inventory)


def plan_for(rt: Runtime, inventory: Inventory) -> FabricPlan:
    try:
        # the production lock file: the lab proves the addresses production will run
        return api.plan(lab_inventory(inventory, rt.spec), api.locked_allocations(inventory))
    except InventoryError as exc:
        raise LabError("the inventory cannot be planned:\n" + "\n".join(
            f.render() for f in exc.findings if f.is_error)) from None


def render_lab(plan: FabricPlan, secret: Secret, template_dirs: tuple[Path, ...] = (),
               pki: FabricPki | None = None) -> dict[str, dict[str, str]]:
    """The lab dataplane's files. Their tunnel endpoints are those the lab put on each
    device's `lo` (`LabSpec`): both are the linux_strongswan plugin's `lab.endpoints`.
    `pki`: the lab's PKI of a certificate fabric (`labpki`)."""
    return render(plan, secret, options=RenderOptions(dataplane="lab", pki=pki,
                                                      template_dirs=template_dirs))


def lab_targets(plan: FabricPlan, rendered: dict[str, dict[str, str]] | None = None
                ) -> list[DeviceTarget]:
    """Every device at its lab management address (the lab plan's `mgmt`), as deploy and
    verify reach them; `rendered` files to push, none to only read."""
    return build_targets(plan.devices, rendered or {}, tunnels=plan.tunnels)


def lab_credentials(rt: Runtime) -> Credentials:
    """root with the lab's own SSH key (each namespace's sshd authorises only it)."""
    return Credentials("root", key_file=str(rt.workdir / "id_ed25519"))


def deploy(rt: Runtime, inventory: Inventory, secret_file: Path | None = None,
           workers: int = 10, template_dirs: tuple[Path, ...] = ()) -> Deployed:
    """Plan, render and deploy the lab's configs over SSH; then settle zebra. A
    certificate fabric's lab PKI is made (or completed) first; a redeploy after
    `labpki.revoke` pushes the new CRL."""
    plan = plan_for(rt, inventory)
    secret = lab_secret(rt.workdir, secret_file)
    fabric_pki = labpki.prepare(rt.workdir, lab_inventory(inventory, rt.spec), secret)
    rendered = render_lab(plan, secret, template_dirs, fabric_pki)
    credentials = lab_credentials(rt)
    options = DeployOptions(commit=True, workers=workers,
                            audit_log=rt.workdir / "deploy-audit.jsonl",
                            tier_check=verify_check(plan, credentials, workers=workers))
    result = deploy_fabric(lab_targets(plan, rendered), credentials, options, SilentReporter())
    if not result.ok:
        return Deployed(plan, result, 0)
    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=SETTLE_WORKERS) as pool:
        fixes = sum(pool.map(zebra.sync, rt.spec.devices))
    (rt.workdir / SETTLE_LOG).write_text(
        f"zebra addresses re-announced: {fixes}\n"
        f"settle_seconds={time.monotonic() - began:.3f}\n")
    return Deployed(plan, result, fixes)


def settle_seconds(rt: Runtime) -> float:
    """How long the last `lab up`'s settle step (after the deploy) took, from its log."""
    path = rt.workdir / SETTLE_LOG
    match = re.search(r"^settle_seconds=([\d.]+)$", path.read_text() if path.exists() else "",
                      re.M)
    return float(match[1]) if match else 0.0
