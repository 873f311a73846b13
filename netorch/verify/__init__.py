"""Verify: read every device's live IKE/IPsec SAs and BGP sessions, compare with the plan.

`netorch.verify.live.verify_fabric(plan, targets, credentials)` (the SSH part, kept
apart so `report` reads these models without the SSH stack) returns a `VerifyReport`:
per tunnel end ESTABLISHED / DOWN / MISSING (and UNEXPECTED SAs the plan does not explain), per BGP
session its state and prefixes received; `report.exit_code` is 1 on any mismatch.
`report.result(origin_of(inventory, fabric, PRODUCTION or lab_source(name)))` is the
typed, versioned `VerifyResult` (`netorch.verify.model`): the checks headed by where the
state comes from (`netorch.verify.origin`); its `to_json()` is the `--format json`
document, which `netorch report --state` reads back into the same types.
"""

from __future__ import annotations

from netorch.verify.model import (
    BgpCheck,
    TunnelCheck,
    TunnelStatus,
    VerifyReport,
    VerifyResult,
)
from netorch.verify.origin import PRODUCTION, StateOrigin, lab_source, origin_of

__all__ = ["PRODUCTION", "BgpCheck", "StateOrigin", "TunnelCheck", "TunnelStatus",
           "VerifyReport", "VerifyResult", "lab_source", "origin_of"]
