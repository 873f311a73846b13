"""The fabric PKI: a CA per fabric, device certificates, revocation, status.

`pki init|issue|sign|revoke|status` (docs/pki.md). The public part lives in the
inventory's PKI folder (`store`); the CA key where the user says (`authority`);
device keys are derived from the master secret or stay on the device (`issue`).
"""

from __future__ import annotations

from netorch.inventory.loader import pki_dir
from netorch.pki.authority import CaKeyFile, ca_key_file
from netorch.pki.fabric import FabricView, Member, fabric_view, former_member
from netorch.pki.ops import (
    CA_DAYS,
    DEVICE_DAYS,
    RENEW_WITHIN,
    Authority,
    Outcome,
    import_ca,
    init,
    issue,
    open_authority,
    own_ca,
    request,
    require_ca,
    revoke,
    sign,
    signed_by,
)
from netorch.pki.profile import KeySpec, key_spec
from netorch.pki.state import (
    CertStatus,
    FabricPki,
    PkiStatus,
    days_left,
    device_problems,
    load_pki,
    renew_due,
    status,
)
from netorch.pki.store import PkiPaths
from netorch.pki.view import CertView, DevicePki, device_view

__all__ = ["CA_DAYS", "DEVICE_DAYS", "RENEW_WITHIN", "Authority", "CaKeyFile", "CertStatus",
           "CertView", "DevicePki", "FabricPki", "FabricView", "KeySpec", "Member", "Outcome",
           "PkiPaths", "PkiStatus", "ca_key_file", "days_left", "device_problems", "device_view",
           "fabric_view", "former_member", "import_ca", "init", "issue", "key_spec", "load_pki",
           "open_authority", "own_ca", "pki_dir", "renew_due", "request", "require_ca", "revoke",
           "sign", "signed_by", "status"]
