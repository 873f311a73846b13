"""`netorch rehearse`: the deploy, run on simulated copies of the devices' running configs."""

from __future__ import annotations

import json
import secrets
import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from netorch import api
from netorch.commands.common import (
    FORMAT_HELP,
    InventoryArg,
    LimitOption,
    SecretFileOption,
    StrictOption,
    TimeoutOption,
    WorkersOption,
    check_secret_file,
)
from netorch.findings import printable
from netorch.limit import limit_devices

if TYPE_CHECKING:
    from netorch.rehearse import Rehearsal


class RehearseFormat(str, Enum):
    table = "table"
    json = "json"


RunningOption = Annotated[Path, typer.Option(
    "--running", metavar="DIR", exists=True, file_okay=False, show_default=False,
    help="one DEVICE.cfg per device, as the device prints its running config")]


def rehearse_command(
        inventory: InventoryArg, running: RunningOption,
        fmt: Annotated[RehearseFormat, typer.Option("--format", "-f", help=FORMAT_HELP)]
        = RehearseFormat.table,
        limit: LimitOption = None, workers: WorkersOption = 10, timeout: TimeoutOption = 60.0,
        secret_file: SecretFileOption = None, strict: StrictOption = False) -> None:
    """Rehearse diff, deploy and redeploy on simulators seeded with real running configs:
    exit 1 if any operator line would change, a conflict is found, or a redeploy is not
    idempotent. Without a master secret the keys are a throwaway one's."""
    from netorch.keys import Secret, load_secret  # noqa: PLC0415 - lazy: cryptography
    from netorch.rehearse import rehearse  # noqa: PLC0415 - lazy: simulators, asyncssh

    check_secret_file(secret_file, strict=strict)
    loaded = api.load_checked(inventory)
    plan = api.plan(loaded)
    devices = limit_devices(plan.devices, limit)
    chosen = {d.name for d in devices}
    given = load_secret(secret_file, required=False)
    secret = given or Secret(secrets.token_bytes(32))
    options = api.RenderOptions(pki=api.load_pki(loaded), pki_keys=given is not None)
    files = api.render(plan, secret, devices=chosen, options=options)
    result = rehearse(devices, files, running, workers=workers, timeout=timeout,
                      others={d.name for d in plan.devices} - chosen)
    if fmt is RehearseFormat.json:
        sys.stdout.write(json.dumps(result.as_dict(), indent=2, sort_keys=True) + "\n")
    else:
        sys.stdout.write(table(result))
    raise typer.Exit(result.exit_code)


def table(result: Rehearsal) -> str:
    """The rehearsal as a table, then each conflict and operator line changed."""
    rows = [f"{'DEVICE':<24} {'PLATFORM':<18} {'LINES':>6} {'OPERATOR-CHANGED':>16} "
            f"{'NETORCH-ADDED':>13} {'CONFLICTS':>9} IDEMPOTENT"]
    notes = []
    for d in sorted(result.devices, key=lambda d: d.device):
        idem = "-" if d.idempotent is None else ("yes" if d.idempotent else "NO")
        rows.append(f"{d.device:<24} {d.platform:<18} {d.config_lines:>6} "
                    f"{d.operator_lines_changed:>16} {d.netorch_lines_added:>13} "
                    f"{len(d.conflicts):>9} {idem}")
        notes += [f"{d.device}: conflict: {c['line']}: {c['reason']}; {c['resolve']}"
                  for c in d.conflicts]
        notes += [f"{d.device}: operator line changed: {line}" for line in d.operator_lines]
        notes += [f"{d.device}: netorch line removed: {line}"
                  for line in d.removed_netorch_lines]
        notes += [f"{d.device}: error: {d.error}"] if d.error else []
    if result.not_rehearsed:
        notes.append(f"not rehearsed (no running config): {', '.join(result.not_rehearsed)}")
    verdict = ("rehearsal clean: no operator line changed, no conflict, redeploy unchanged"
               if result.ok else "rehearsal FAILED")
    return "".join(printable(line) + "\n" for line in [*rows, *notes, verdict])


def register(app: typer.Typer) -> None:
    app.command("rehearse")(rehearse_command)
