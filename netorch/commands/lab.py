"""`netorch lab up|down|status|test|verify|exec`: the fabric built for real in network
namespaces."""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from netorch.commands.common import (
    InventoryArg,
    SecretFileOption,
    StrictOption,
    TemplatesOption,
    check_secret_file,
)
from netorch.commands.deploy import VerifyFormat
from netorch.errors import UsageError

if TYPE_CHECKING:
    from netorch.lab.api import LabStatusResult, LabTestResult, LabUpResult
    from netorch.verify import VerifyResult

LabName = Annotated[str | None, typer.Option(
    "--lab", metavar="NAME", help="lab name (default: the fabric's name)")]
Workdir = Annotated[Path | None, typer.Option(
    "--workdir", metavar="DIR",
    help="where the lab keeps its state (default /var/lib/netorch/lab)")]


class Action(str, Enum):
    up = "up"
    down = "down"
    status = "status"
    test = "test"
    verify = "verify"
    exec = "exec"


def lab(
    action: Annotated[Action, typer.Argument(
        metavar="ACTION", show_default=False, help=" | ".join(a.value for a in Action))],
    inventory: InventoryArg,
    command: Annotated[list[str] | None, typer.Argument(
        metavar="ARGS", show_default=False,
        help="exec: SITE -- CMD [ARG...]: the site, then `--` and the command to run in its "
             "LAN test host (no shell)")] = None,
    device: Annotated[str | None, typer.Option(
        "--device", metavar="NAME",
        help="exec: run in this device's namespace instead of the site's LAN test host")]
    = None,
    name: LabName = None,
    workdir: Workdir = None,
    secret_file: SecretFileOption = None,
    workers: Annotated[int, typer.Option(
        "--workers", metavar="N", min=1, help="devices deployed in parallel")] = 10,
    template_dir: TemplatesOption = None,
    failover: Annotated[bool, typer.Option(
        "--failover/--no-failover", help="test: cut a private link too")] = True,
    fmt: Annotated[VerifyFormat, typer.Option(
        "--format", "-f", help="status, verify: table or json (verify's as `netorch verify`)")]
    = VerifyFormat.table,
    wait: Annotated[float | None, typer.Option(
        "--wait", metavar="SECONDS", help="test, verify: seconds to wait for SAs and BGP "
        "sessions to come up (test: 30 for SAs, 45 for BGP; verify: 0, read once)")] = None,
    strict: StrictOption = False,
) -> None:
    """Build (up), prove (test), verify over SSH (verify), inspect (status), run a command
    in (exec) or remove (down) the lab — as root."""
    from netorch.lab import (  # noqa: PLC0415 - lazy: namespaces, daemons, deploy over SSH
        lab_down,
        lab_exec,
        lab_status,
        lab_test,
        lab_up,
        lab_verify,
    )

    check_secret_file(secret_file, strict=strict)
    _check_arguments(action, command, device)
    if action is Action.exec:
        site, *argv = command or [""]
        ran = lab_exec(inventory, site, argv, device=device, lab=name, root=workdir)
        raise typer.Exit(ran.exit_code)
    if action is Action.up:
        up = lab_up(inventory, lab=name, root=workdir, secret_file=secret_file,
                    workers=workers, template_dirs=tuple(template_dir or ()))
        _print_up(up)
        raise typer.Exit(up.exit_code)
    if action is Action.down:
        down = lab_down(inventory, lab=name, root=workdir)
        typer.echo(f"lab {down.lab}: removed {len(down.removed)} objects")
        raise typer.Exit(down.exit_code)
    if action is Action.status:
        status = lab_status(inventory, lab=name, root=workdir)
        _print_status(status, fmt)
        raise typer.Exit(status.exit_code)
    if action is Action.verify:
        verified = lab_verify(inventory, lab=name, root=workdir, wait=wait or 0.0)
        _print_verify(verified.result, fmt)
        raise typer.Exit(verified.exit_code)
    result = lab_test(inventory, lab=name, root=workdir, failover=failover, wait=wait)
    _print_test(result)
    raise typer.Exit(result.exit_code)


def _print_test(result: LabTestResult) -> None:
    for check in result.checks:
        mark = "PASS" if check.ok else "FAIL"
        typer.echo(f"{mark}  {check.name:<9} {check.seconds:6.1f}s  {check.summary}")
        for line in check.details if not check.ok else []:
            typer.echo(f"        {line}")
    typer.echo(f"lab {result.lab}: {'all checks passed' if result.ok else 'checks failed'}")


def _check_arguments(action: Action, command: list[str] | None, device: str | None) -> None:
    """SITE, the command and --device belong to `exec` only, which needs the first two."""
    if action is not Action.exec and (command or device is not None):
        raise UsageError(f"lab {action.value} takes no SITE, command or --device "
                         "(only `lab exec` does)")
    if action is Action.exec and len(command or []) < 2:  # SITE and CMD
        raise UsageError("lab exec needs a site and a command: netorch lab exec INVENTORY "
                         "SITE [--device NAME] -- CMD [ARG...]")


def _print_verify(result: VerifyResult, fmt: VerifyFormat) -> None:
    """As `netorch verify` prints it (the same typed result), so `--state` files and eyes
    read the same thing; JSON says it comes from the lab (`source: lab:<name>`)."""
    sys.stdout.write(result.to_json() if fmt is VerifyFormat.json else result.table())


def _print_up(up: LabUpResult) -> None:
    typer.echo(f"lab {up.lab}: {len(up.devices)} devices built in {up.build_seconds:.1f}s, "
               f"deployed in {up.deploy_seconds:.1f}s ({up.workdir})")
    for d in up.deploy.devices:
        typer.echo(f"  {d.device:<24} {d.outcome.value:<12} {d.error or ''}".rstrip())
    typer.echo(f"ssh: ssh -F {up.ssh_config} DEVICE")


def _print_status(status: LabStatusResult, fmt: VerifyFormat) -> None:
    if fmt is VerifyFormat.json:
        sys.stdout.write(json.dumps(status.as_dict(), indent=2, sort_keys=True) + "\n")
        return
    rt = status.runtime
    typer.echo(f"lab {rt.lab}: {rt.phase} ({rt.workdir})")
    down_ns = [n for n, up in rt.namespaces if not up]
    typer.echo(f"  namespaces: {len(rt.namespaces) - len(down_ns)}/{len(rt.namespaces)} present")
    stopped = [f"{d.device}/{d.role}" for d in rt.daemons if not d.running]
    typer.echo(f"  daemons: {len(rt.daemons) - len(stopped)}/{len(rt.daemons)} running"
               + (f" (stopped: {', '.join(stopped)})" if stopped else ""))
    for s in status.sessions:
        typer.echo(f"  {s.device:<24} IKE SAs up {s.sas_up:<3} BGP {s.bgp_up}/{s.bgp_total}")


def register(app: typer.Typer) -> None:
    app.command("lab")(lab)
