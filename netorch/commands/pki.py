"""`netorch pki init|issue|sign|revoke|status`: the fabric's CA and device certificates."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from netorch import api
from netorch.commands.common import (
    Command,
    InventoryArg,
    LimitOption,
    OutOption,
    SecretFileOption,
    emit,
)
from netorch.findings import printable

if TYPE_CHECKING:
    from netorch.pki import Authority, CaKeyFile, FabricView, Outcome, PkiStatus

pki_app = typer.Typer(help="The fabric PKI: CA, device certificates, revocation, status "
                           "(docs/pki.md).", no_args_is_help=True, add_completion=False)

CaKeyOption = Annotated[Path | None, typer.Option(
    "--ca-key", metavar="FILE", dir_okay=False, show_default=False,
    help="the CA's private key, outside the inventory (default: $NETORCH_CA_KEY)")]
PassphraseOption = Annotated[Path | None, typer.Option(
    "--ca-passphrase-file", metavar="FILE", exists=True, dir_okay=False, show_default=False,
    help="the CA key's passphrase (default: $NETORCH_CA_PASSPHRASE)")]
DaysOption = Annotated[int | None, typer.Option(
    "--days", metavar="N", min=1, max=36500, show_default=False,
    help="validity in days (default: CA 3650, device 365)")]
CrlDaysOption = Annotated[int, typer.Option(
    "--crl-days", metavar="N", min=1, max=36500,
    help="validity of a CRL this writes, in days (deploy pushes it; never past the CA)")]
DeviceArg = Annotated[str, typer.Argument(metavar="DEVICE", show_default=False,
                                          help="the device's name")]


class StatusFormat(str, Enum):
    table = "table"
    json = "json"


def _view(inventory: Path) -> FabricView:
    from netorch.pki import fabric_view  # noqa: PLC0415 - lazy: cryptography's x509

    return fabric_view(api.load(inventory))


def _key_file(view: FabricView, key: Path | None, passphrase: Path | None) -> CaKeyFile:
    from netorch.pki import ca_key_file  # noqa: PLC0415 - lazy: cryptography's x509

    return ca_key_file(key, passphrase, view.paths.root, view.inventory_path)


def _authority(view: FabricView, key: Path | None, passphrase: Path | None) -> Authority:
    """The fabric's own CA, opened: an enterprise fabric is refused before any key is
    asked for."""
    from netorch import pki  # noqa: PLC0415 - lazy: cryptography's x509

    pki.own_ca(view)
    return pki.open_authority(view, _key_file(view, key, passphrase))


def _print(outcome: Outcome) -> None:
    """Each line made printable: a certificate's subject is the CA's or a CSR's text."""
    for line in outcome.done:
        typer.echo(printable(line))
    for line in outcome.skipped:
        typer.echo(printable(f"note: {line}"))
    if not outcome.done:
        typer.echo("nothing to do")


@pki_app.command("init", cls=Command)
def init(inventory: InventoryArg, ca_key: CaKeyOption = None,
         ca_passphrase_file: PassphraseOption = None, days: DaysOption = None,
         crl_days: CrlDaysOption = 365,
         ca_cert: Annotated[Path | None, typer.Option(
             "--ca-cert", metavar="FILE", exists=True, dir_okay=False, show_default=False,
             help="use this enterprise CA's certificate instead: netorch then signs nothing")]
         = None) -> None:
    """Create the fabric CA (its key type follows the crypto profile), or import one."""
    from netorch import pki  # noqa: PLC0415 - lazy: cryptography's x509

    view = _view(inventory)
    if ca_cert is not None:
        _print(pki.import_ca(view, ca_cert))
        return
    _print(pki.init(view, _key_file(view, ca_key, ca_passphrase_file),
                    days=days or pki.CA_DAYS, crl_days=crl_days))


@pki_app.command("issue", cls=Command)
def issue(inventory: InventoryArg, limit: LimitOption = None, days: DaysOption = None,
          renew_within: Annotated[int, typer.Option(
              "--renew-within", metavar="DAYS", min=0, max=36500,
              help="renew certificates expiring within DAYS")] = 30,
          ca_key: CaKeyOption = None, ca_passphrase_file: PassphraseOption = None,
          secret_file: SecretFileOption = None, crl_days: CrlDaysOption = 365) -> None:
    """Issue every missing device certificate and renew those due."""
    from netorch import pki  # noqa: PLC0415 - lazy: cryptography's x509
    from netorch.keys import load_secret  # noqa: PLC0415 - lazy: only issue derives keys

    view = _view(inventory)
    members = view.limited(limit)
    authority = _authority(view, ca_key, ca_passphrase_file)
    secret = load_secret(secret_file, required=False)
    _print(pki.issue(view, authority, secret, members, days=days or pki.DEVICE_DAYS,
                     renew_within=renew_within, crl_days=crl_days))


def _member(view: FabricView, device: str, *, former: bool = False) -> object:
    """The device; with `former`, also one the inventory no longer has but the PKI ledger
    lists (revoke its certificate after removing or renaming it)."""
    from netorch import pki  # noqa: PLC0415 - lazy: cryptography's x509
    from netorch.errors import UserError  # noqa: PLC0415 - lazy: error path only

    member = view.member(device)
    if member is None and former:
        member = pki.former_member(view, device)
    if member is None:
        raise UserError(f"{device} is not a device of fabric {view.name}")
    return member


@pki_app.command("sign", cls=Command)
def sign(inventory: InventoryArg, device: DeviceArg,
         csr: Annotated[Path, typer.Argument(metavar="CSR", exists=True, dir_okay=False,
                                             show_default=False,
                                             help="the device's CSR (PEM or DER)")],
         days: DaysOption = None, ca_key: CaKeyOption = None,
         ca_passphrase_file: PassphraseOption = None) -> None:
    """Sign a CSR made on the device, once its identity and key type are checked."""
    from netorch import pki  # noqa: PLC0415 - lazy: cryptography's x509

    view = _view(inventory)
    member = _member(view, device)
    authority = _authority(view, ca_key, ca_passphrase_file)
    assert isinstance(member, pki.Member)
    _print(pki.sign(view, authority, member, csr, days=days or pki.DEVICE_DAYS))


@pki_app.command("request", cls=Command)
def request(inventory: InventoryArg,
            out: Annotated[Path, typer.Option("--out", "-o", metavar="DIR",
                                              help="folder for DEVICE.csr files")],
            limit: LimitOption = None, secret_file: SecretFileOption = None) -> None:
    """Write a CSR for each device whose key netorch derives: for an enterprise CA."""
    from netorch import pki  # noqa: PLC0415 - lazy: cryptography's x509
    from netorch.keys import load_secret  # noqa: PLC0415 - lazy: cryptography

    view = _view(inventory)
    secret = load_secret(secret_file)
    assert secret is not None  # required: load_secret raises without one
    _print(pki.request(view, secret, view.limited(limit), out))


@pki_app.command("revoke", cls=Command)
def revoke(inventory: InventoryArg, device: DeviceArg, ca_key: CaKeyOption = None,
           ca_passphrase_file: PassphraseOption = None, crl_days: CrlDaysOption = 365
           ) -> None:
    """Revoke a device's certificate: pki/crl.pem lists it; deploy pushes the CRL."""
    from netorch import pki  # noqa: PLC0415 - lazy: cryptography's x509

    view = _view(inventory)
    member = _member(view, device, former=True)
    authority = _authority(view, ca_key, ca_passphrase_file)
    assert isinstance(member, pki.Member)
    _print(pki.revoke(view, authority, member, crl_days=crl_days))


@pki_app.command("status", cls=Command)
def status(inventory: InventoryArg,
           fmt: Annotated[StatusFormat, typer.Option("--format", "-f", help="output format")]
           = StatusFormat.table,
           renew_within: Annotated[int, typer.Option(
               "--renew-within", metavar="DAYS", min=0, max=36500,
               help="renew-due when expiring within DAYS")] = 30,
           out: OutOption = None) -> None:
    """Serial, expiry, days left and state of the CA and every device certificate."""
    result = api.pki_status(inventory, renew_within=renew_within)
    text = result.model_dump_json(indent=2) + "\n" if fmt is StatusFormat.json \
        else status_table(result)
    emit(text, out)
    raise typer.Exit(1 if result.failed() else 0)


def status_table(result: PkiStatus) -> str:
    """One line per certificate: NAME SERIAL NOT_AFTER DAYS STATE (problems below)."""
    rows = [("certificate", "serial", "not after", "days", "state")]
    lines: list[str] = []
    for name, cert in [("CA", result.ca), *sorted(result.devices.items())]:
        rows.append((name, cert.serial or "-", cert.not_after or "-",
                     "-" if cert.days_left is None else str(cert.days_left), cert.state))
        lines.extend(printable(f"{name}: {problem}") for problem in cert.problems)
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    table = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
             for r in rows]
    return "\n".join([*table, *lines]) + "\n"


def register(app: typer.Typer) -> None:
    app.add_typer(pki_app, name="pki")

