"""`netorch validate`: every stage's problems at once.

The stages read in order — the files (YAML), the schema, the checks across sites, the
plan (addresses, crypto proposals, hub paths), the allocation file — and none hides the
next: a site that does not load is left out of the later stages, which still run on the
others, and the plan is made without the sites that have errors. What a stage could not
look at is said in a note (`checks-skipped`), never left silent.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from netorch.checks import check, check_certificates, policy
from netorch.checks.pki import moment, out_of_band
from netorch.findings import Finding, InventoryError, Location, error, note, sort_findings
from netorch.inventory.loader import location_of
from netorch.inventory.model import Inventory
from netorch.inventory.partial import Partial, SubsetSource, load_partial
from netorch.plan import make_plan
from netorch.plan.lockfile import (
    allocations_path,
    missing_message,
    read_lock_if_any,
    stale_message,
)

# Checks that judge whether each site can reach the sites it must: with a site left out
# they would report its absence, not a fault.
NEEDS_EVERY_SITE = frozenset({"no-common-underlay", "isolated-site"}) | policy.NEEDS_EVERY_SITE
PLAN_STAGE = "the plan-time checks (addresses, crypto proposals, hub paths)"


def validate_all(path: str | Path, *, today: date | None = None
                 ) -> tuple[list[Finding], Inventory | None]:
    """Every finding of every stage, sorted, and the inventory when all of it loaded."""
    partial = load_partial(path)
    findings = list(partial.findings)
    inventory = partial.inventory
    if inventory is None:
        findings.append(_note(partial, f"the checks across sites, {PLAN_STAGE} and the "
                              "allocation file were not looked at: the fabric's own "
                              "settings must load first"))
        return _notes_last(findings), None
    checked = _checks(inventory, partial)
    findings += checked
    if partial.left_out:
        findings.append(_note(partial, f"left out of the later checks until it loads: "
                              f"{', '.join(partial.left_out)} (reachability checks "
                              "wait for every site)"))
    clean = not any(f.is_error for f in findings)
    findings += (_locked_plan(inventory, partial, today) if clean
                 else _partial_plan(inventory, partial, checked, today))
    findings += _certificates(inventory, today, findings)
    return _notes_last(findings), None if partial.left_out else inventory


def _certificates(inventory: Inventory, today: date | None, before: list[Finding]
                  ) -> list[Finding]:
    """The certificate stage: a certificate fabric's PKI folder held against `today`
    (its errors hold back no other stage: the plan does not depend on them). Without a
    folder, once every other stage is free of errors, a note says the certificates were
    not checked (managed out of band), and another that a fabric without a policy is
    flat."""
    found = check_certificates(inventory, now=moment(today))
    if not any(f.is_error for f in before):
        found += out_of_band(inventory, location_of(inventory, ("fabric", "crypto", "auth")))
        found += policy.flat(inventory, location_of(inventory, ("fabric",), key=True))
    return found


def _notes_last(findings: list[Finding]) -> list[Finding]:
    """Sorted by place, the notes (what was not looked at) after the problems."""
    ordered = sort_findings(findings)
    return [f for f in ordered if not f.is_note] + [f for f in ordered if f.is_note]


def _checks(inventory: Inventory, partial: Partial) -> list[Finding]:
    """The checks across sites; with sites left out, none that reports their absence
    (reachability, or a hub naming a site that did not load)."""
    found = check(inventory, certificates=False)
    if not partial.left_out:
        return found
    absent = {inventory.source.locate(("fabric", "topology", "hubs", i))
              for i, hub in enumerate(inventory.fabric.topology.hubs)
              if hub in partial.left_out_names}
    return [f for f in found if f.code not in NEEDS_EVERY_SITE
            and not (f.code == "unknown-hub" and f.location in absent)]


def _note(partial: Partial, message: str) -> Finding:
    return note("checks-skipped", message, Location(partial.fabric_file, 1, 1))


def _locked_plan(inventory: Inventory, partial: Partial, today: date | None
                 ) -> list[Finding]:
    """The plan with the lock file, as every other command makes it: a missing or out
    of date file is an error naming `netorch plan` (the plan is still checked, with
    fresh addresses, so its own problems show too)."""
    lock = allocations_path(inventory.path)
    try:
        saved = read_lock_if_any(lock, inventory.fabric.name)
    except InventoryError as exc:
        return exc.findings
    result = make_plan(inventory, saved, today=today, paths=True)
    if result.plan is None:  # `netorch plan` would refuse too: its errors come first
        return [*result.findings, _note(partial, "the allocation file is checked once the "
                                        "plan has no errors")]
    if saved is None:
        return [*result.findings, error("allocations-missing", missing_message(
            inventory.path), Location(partial.fabric_file, 1, 1))]
    if result.allocations != saved:
        return [*result.findings, error("allocations-stale", stale_message(inventory.path),
                                        Location(lock.as_posix(), 1, 1))]
    return result.findings


def _partial_plan(inventory: Inventory, partial: Partial, checked: list[Finding],
                  today: date | None) -> list[Finding]:
    """Plan-time findings of the sites without errors, and a note of what was left out."""
    subset = _without_sites_in_error(inventory, partial, checked)
    if subset is None:
        return [_note(partial, f"{PLAN_STAGE} and the allocation file were not looked at: "
                      "the errors above must be fixed first")]
    planned = make_plan(subset, None, today=today, paths=True).findings
    count, total = len(subset.sites), len(inventory.sites)
    which = (f"{count} of the {total} sites that loaded, without those with errors"
             if count < total else f"the {_sites(total)} that loaded")
    return [*planned, _note(partial, f"{PLAN_STAGE} ran on {which}; the allocation file "
                            "is checked once there are no errors")]


def _sites(n: int) -> str:
    return "site" if n == 1 else f"{n} sites"


def _without_sites_in_error(inventory: Inventory, partial: Partial,
                            checked: list[Finding]) -> Inventory | None:
    """The inventory without the sites the check errors are in, if that leaves a clean
    inventory to plan; None when an error is in the fabric's own settings."""
    sites = _sites_in_error(inventory, [f for f in checked if f.is_error])
    if sites is None:
        return None
    kept = tuple(i for i in range(len(inventory.sites)) if i not in sites)
    if not kept:
        return None
    subset = inventory.model_copy(update={"sites": [inventory.sites[i] for i in kept]})
    subset._source = SubsetSource(base=inventory.source, kept=kept)
    subset._path = inventory.path
    if any(f.is_error for f in _checks(subset, partial)):
        return None
    return subset


def _sites_in_error(inventory: Inventory, errors: list[Finding]) -> set[int] | None:
    """The index of the site each error is in; None if one is outside every site."""
    starts = [inventory.source.locate(("sites", i)) for i in range(len(inventory.sites))]
    files = {start.file for start in starts}
    own = {i: s.file for i, s in enumerate(starts)
           if ("sites", i) in inventory.source.mounts}
    out: set[int] = set()
    for finding in errors:
        at = finding.location
        if at.file not in files:
            return None
        in_own = [i for i, f in own.items() if f == at.file]
        if in_own:
            out.update(in_own)
            continue
        before = [i for i, s in enumerate(starts) if s.file == at.file and s.line <= at.line]
        if not before:
            return None  # the fabric part of a single-file inventory
        out.add(max(before, key=lambda i: starts[i].line))
    return out
