"""`netorch diff`, `netorch deploy` and `netorch verify`: the live fabric, over SSH."""

from __future__ import annotations

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

if TYPE_CHECKING:
    from netorch.deploy import DeployResult, DeviceTarget
    from netorch.pki import FabricPki
    from netorch.plan.model import FabricPlan


class VerifyFormat(str, Enum):
    table = "table"
    json = "json"


def _targets(inventory: Path, limit: list[str] | None, secret_file: Path | None,
             *, with_files: bool = True
             ) -> tuple[FabricPlan, list[DeviceTarget], FabricPki | None]:
    """The plan, the devices to reach (with their rendered files, unless not
    `with_files`) and the inventory's PKI folder, the inventory read once."""
    from netorch.deploy import build_targets  # noqa: PLC0415 - lazy: Nornir, Netmiko
    from netorch.keys import load_secret, needs_secret  # noqa: PLC0415 - lazy: cryptography

    loaded = api.load_checked(inventory)
    plan = api.plan(loaded)
    pki = api.load_pki(loaded)
    files: dict[str, dict[str, str]] = {}
    if with_files:
        secret = load_secret(secret_file) \
            if needs_secret(plan.fabric) or (pki and pki.derives_keys()) else None
        files = api.render(plan, secret, options=api.RenderOptions(pki=pki))
    return plan, build_targets(plan.devices, files, tuple(limit or ()), plan.tunnels), pki


def _print_result(result: DeployResult, *, show_diff: bool) -> None:
    for device in result.devices:
        if show_diff and device.diff:
            typer.echo(f"--- {device.device} ({device.platform})")
            typer.echo(device.diff.rstrip("\n"))
        for conflict in device.conflicts:
            typer.echo(printable(f"conflict on {device.device}: {conflict['line']}: "
                                 f"{conflict['reason']}"))
            typer.echo(printable(f"  resolve: {conflict['resolve']}"))
    for tier in result.tiers:
        typer.echo(tier.line() + (f"; checked: {tier.checked}" if tier.checked else ""))
    typer.echo(f"{'DEVICE':<24} {'OUTCOME':<14} {'CONFIG':<8} {'ROLLBACK':<20} ERROR")
    for d in result.devices:
        typer.echo(f"{d.device:<24} {d.outcome.value:<14} {d.state.value:<8} "
                   f"{d.rollback or '-':<20} {d.error or ''}".rstrip())
    if result.aborted:
        typer.echo(f"aborted: {result.aborted}")


def diff(inventory: InventoryArg, limit: LimitOption = None, workers: WorkersOption = 10,
         timeout: TimeoutOption = 60.0, secret_file: SecretFileOption = None,
         strict: StrictOption = False) -> None:
    """Per device, what a deploy would change against the running config."""
    from netorch.deploy import (  # noqa: PLC0415 - lazy: Nornir, Netmiko
        ConsoleReporter,
        credentials_from_env,
        diff_fabric,
    )

    check_secret_file(secret_file, strict=strict)
    _, targets, _ = _targets(inventory, limit, secret_file)
    result = diff_fabric(targets, credentials_from_env(), workers=workers, timeout=timeout,
                         reporter=ConsoleReporter())
    _print_result(result, show_diff=True)
    if result.ok and not any(d.changed for d in result.devices):
        typer.echo("no change: every device already runs its planned configuration")
    raise typer.Exit(result.exit_code)


def deploy(
    inventory: InventoryArg,
    commit: Annotated[bool, typer.Option(
        "--commit", help="apply (default: dry run showing diffs)")] = False,
    workers: WorkersOption = 10,
    canary: Annotated[int, typer.Option(
        "--canary", metavar="N", min=0, help="deploy and verify N devices of each tier first")] = 0,
    max_failures: Annotated[int | None, typer.Option(
        "--max-failures", metavar="N", min=1,
        help="abort the rest of the fabric after N failed devices")] = None,
    limit: LimitOption = None,
    timeout: TimeoutOption = 60.0,
    audit_log: Annotated[Path | None, typer.Option(
        "--audit-log", metavar="FILE",
        help="JSON-lines audit log (default: $NETORCH_AUDIT_LOG or ./netorch-audit.jsonl)")]
    = None,
    secret_file: SecretFileOption = None,
    rotate_keys: Annotated[bool, typer.Option(
        "--rotate-keys", help="send every pre-shared key again (devices show keys "
        "encrypted: a changed key is otherwise not pushed)")] = False,
    confirm_minutes: Annotated[int, typer.Option(
        "--confirm-minutes", metavar="N", min=1, max=65_535,
        help="commit-confirm platforms (Junos) roll back by themselves after N minutes "
        "unless netorch confirms")] = 2,
    strict: StrictOption = False,
) -> None:
    """Dry run by default; --commit applies, device by device, never half-way."""
    from netorch.deploy import (  # noqa: PLC0415 - lazy: Nornir, Netmiko
        ConsoleReporter,
        DeployOptions,
        credentials_from_env,
        deploy_fabric,
    )
    from netorch.deploy.tiers import verify_check  # noqa: PLC0415 - lazy: as netorch.deploy

    check_secret_file(secret_file, strict=strict)
    plan, targets, _ = _targets(inventory, limit, secret_file)
    credentials = credentials_from_env()
    options = DeployOptions(commit=commit, workers=workers, canary=canary,
                            max_failures=max_failures, timeout=timeout, audit_log=audit_log,
                            rotate_keys=rotate_keys, confirm_minutes=confirm_minutes,
                            tier_check=verify_check(plan, credentials, workers=workers))
    result = deploy_fabric(targets, credentials, options, ConsoleReporter())
    _print_result(result, show_diff=not commit)
    raise typer.Exit(result.exit_code)


def verify(inventory: InventoryArg,
           fmt: Annotated[VerifyFormat, typer.Option("--format", "-f", help=FORMAT_HELP)]
           = VerifyFormat.table,
           limit: LimitOption = None, workers: WorkersOption = 10,
           timeout: TimeoutOption = 30.0) -> None:
    """Read live IKE/IPsec SAs and BGP sessions and compare them with the plan."""
    from netorch.deploy import credentials_from_env  # noqa: PLC0415 - lazy: Nornir, Netmiko
    from netorch.verify import PRODUCTION, origin_of  # noqa: PLC0415 - lazy: start-up
    from netorch.verify.live import verify_fabric  # noqa: PLC0415 - lazy: the SSH stack

    plan, targets, pki = _targets(inventory, limit, None, with_files=False)
    report = verify_fabric(plan, targets, credentials_from_env(), workers=workers,
                           timeout=timeout, pki=pki)
    result = report.result(origin_of(inventory, plan.fabric.name, PRODUCTION))
    sys.stdout.write(result.to_json() if fmt is VerifyFormat.json else result.table())
    raise typer.Exit(result.exit_code)


def register(app: typer.Typer) -> None:
    app.command("diff")(diff)
    app.command("deploy")(deploy)
    app.command("verify")(verify)
