"""The CLI's commands, one module per pipeline stage; `cli.py` registers them.

Every module is imported to build the CLI whichever command runs (typer reads each
command's signature), so a module imports at its top only what `netorch validate` needs
anyway, and its command's own stage (Jinja2, SSH, Nornir, the lab) inside the function,
marked `# noqa: PLC0415 - lazy: ...`: validate, plan and render start without the SSH
and Nornir stack (tests/cli/test_startup.py, benchmarks/bench_startup.py).
"""

from __future__ import annotations

import typer

from netorch.commands import (
    deploy,
    lab,
    pki,
    plan,
    rehearse,
    render,
    report,
    schema,
    validate,
)
from netorch.commands.common import Command

MODULES = (validate, schema, plan, render, report, deploy, rehearse, pki, lab)  # the help's order


def register(app: typer.Typer) -> None:
    """Every command on `app`, with one help layout (`Command`)."""
    for module in MODULES:
        module.register(app)
    for info in app.registered_commands:
        if info.cls is None or not issubclass(info.cls, Command):
            info.cls = Command
