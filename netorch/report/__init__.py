"""Reports for auditors: one model (`Report`), many formats (html, md, json, dot, mermaid).

>>> from netorch import api, report                       # doctest: +SKIP
>>> r = report.make_report(api.load("inventories/eastern-region"),
...                        generated_at="2024-01-01T00:00:00Z")   # doctest: +SKIP
>>> html = report.render(r, "html")                        # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

from netorch import api
from netorch.checks import check, check_certificates
from netorch.findings import InventoryError, sort_findings
from netorch.fingerprint import inventory_sha256
from netorch.inventory.model import Inventory
from netorch.plan.lockfile import allocations_path
from netorch.report.build import Inputs, build
from netorch.report.certificates import certificates
from netorch.report.model import SCHEMA_VERSION, Report
from netorch.report.provenance import generation_time, parse_time
from netorch.report.render import FORMATS, render
from netorch.report.statefile import check_inventory, load_state

__all__ = ["FORMATS", "SCHEMA_VERSION", "Report", "make_report", "render"]


def make_report(inventory: Inventory, *, state: Path | None = None,
                generated_at: str | None = None) -> Report:
    """The report of a loaded inventory (and, with `state`, a verify JSON file).

    Certificates are held against the report's time (`generated_at`, else
    $SOURCE_DATE_EPOCH, else now): the same inventory and time give the same report. An
    expired, missing or revoked certificate is reported (table, findings), not refused.

    Raises:
        InventoryError: the inventory has errors (but for its certificates), or cannot
            be planned.
        UserError: the state file is unreadable, not verify's JSON, or read for another
            inventory.
    """
    when = generation_time(generated_at)
    now = parse_time(when)
    findings = check(inventory, certificates=False)  # api.check_clean, but certificates
    errors = [f for f in findings if f.is_error]
    if errors:
        raise InventoryError(errors)
    findings += check_certificates(inventory, now=now)
    result = api.plan_result(inventory)
    if result.plan is None:
        raise InventoryError(result.findings)
    path = Path(inventory.path)
    allocations = allocations_path(path).name  # plan_result refuses without it
    live = load_state(state) if state is not None else None
    if live is not None:
        check_inventory(live, inventory.fabric.name, inventory_sha256(path))
    return build(Inputs(
        inventory=inventory, plan=result.plan, findings=sort_findings(findings + result.findings),
        path=path, allocations=allocations, generated_at=when,
        state=live, state_path=state, certificates=certificates(inventory, now)))
