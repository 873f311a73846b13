"""What the PKI needs of an inventory: its devices, their IKE identities and platforms."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from netorch.errors import UserError
from netorch.inventory.loader import pki_dir
from netorch.inventory.model import Inventory
from netorch.limit import limit_devices
from netorch.pki.profile import KeySpec, key_spec
from netorch.pki.store import PkiPaths
from netorch.plan.model import ike_identity
from netorch.platforms import registry


@dataclass(frozen=True)
class Member:
    """A device as the PKI sees it."""

    name: str
    site: str
    platform: str
    ike_id: str
    keys: str  # "derived" | "device": the platform's `certificate_keys`


@dataclass(frozen=True)
class FabricView:
    name: str
    spec: KeySpec
    certificates: bool  # the fabric authenticates with certificates
    paths: PkiPaths
    inventory_path: Path
    members: tuple[Member, ...]

    def member(self, name: str) -> Member | None:
        return next((m for m in self.members if m.name == name), None)

    def limited(self, patterns: list[str] | None) -> list[Member]:
        return limit_devices(self.members, patterns)


def fabric_view(inventory: Inventory, root: Path | None = None) -> FabricView:
    """The inventory's devices (sorted by name) and its PKI folder (`root` overrides it:
    the lab keeps its own)."""
    fabric = inventory.fabric
    plugins = registry()
    members = sorted(
        (Member(d.name, s.name, d.platform, ike_identity(d.name, fabric.name),
                plugins[d.platform].certificate_keys if d.platform in plugins else "derived")
         for s in inventory.sites for d in s.devices), key=lambda m: m.name)
    folder = root or pki_dir(inventory.path)
    if root is None and folder.is_symlink():
        raise UserError(f"{folder.as_posix()}: refused: the PKI folder is a symbolic link "
                        "(netorch reads and writes certificates only in the inventory's own "
                        "folder)")
    return FabricView(fabric.name, key_spec(fabric.crypto.profile),
                      fabric.crypto.auth == "certificate", PkiPaths(folder),
                      Path(inventory.path), tuple(members))


def require_certificates(view: FabricView) -> None:
    """Refuse (`UserError`) a fabric that authenticates with pre-shared keys."""
    if not view.certificates:
        raise UserError(f"fabric {view.name} authenticates with pre-shared keys: set "
                        "`crypto: {auth: certificate}` in its fabric before making its PKI")


def former_member(view: FabricView, device: str) -> Member | None:
    """A device the inventory no longer has but the PKI ledger lists: revocable, nothing
    else (its platform and identity are gone with it)."""
    ledger = view.paths.read_ledger() if view.paths.exists() else None
    if ledger is None or ledger.current(device) is None:
        return None
    return Member(device, "", "(removed)", "", "device")
