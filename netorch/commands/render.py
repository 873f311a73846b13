"""`netorch render`: every device's configuration files, one folder per site and device."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from netorch import api
from netorch.commands.common import (
    InventoryArg,
    LimitOption,
    SecretFileOption,
    StrictOption,
    TemplatesOption,
    check_secret_file,
)
from netorch.errors import SecretMissing


class Dataplane(str, Enum):
    kernel = "kernel"
    lab = "lab"


def render(
    inventory: InventoryArg,
    out: Annotated[Path, typer.Option("--out", "-o", metavar="DIR",
                                      help="output folder")] = Path("out"),
    redact: Annotated[bool, typer.Option(
        "--redact", help="replace every key with a placeholder")] = False,
    limit: LimitOption = None,
    templates: TemplatesOption = None,
    secret_file: SecretFileOption = None,
    dataplane: Annotated[Dataplane, typer.Option(
        "--dataplane", help="kernel (production) or lab (VXLAN over userspace IPsec)")]
    = Dataplane.kernel,
    strict: StrictOption = False,
) -> None:
    """Render the configuration of every device (or those given with --limit)."""
    from netorch.keys import load_secret, needs_secret  # noqa: PLC0415 - lazy: cryptography
    from netorch.render import (  # noqa: PLC0415 - lazy: Jinja2
        RenderOptions,
        select_devices,
        write_tree,
    )

    check_secret_file(secret_file, strict=strict)
    loaded = api.load_checked(inventory)
    plan = api.plan(loaded)
    try:
        secret = load_secret(secret_file) if needs_secret(plan.fabric, redact=redact) else None
    except SecretMissing as exc:  # render alone can do without: say how
        raise SecretMissing(f"{exc} (or use --redact to render without keys)") from None
    if secret is None and not redact:  # a certificate fabric: its derived keys if given
        secret = load_secret(secret_file, required=False)
    devices = select_devices(plan, limit)
    options = RenderOptions(dataplane=dataplane.value, template_dirs=tuple(templates or ()),
                            pki=api.load_pki(loaded))
    files = api.render(plan, secret, redact=redact, options=options, devices=devices)
    result = write_tree(out, plan, files)
    typer.echo(f"{out.as_posix()}: {len(files)} devices, {len(result.written)} files written, "
               f"{len(result.unchanged)} unchanged")


def register(app: typer.Typer) -> None:
    app.command("render")(render)
