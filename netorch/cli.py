"""The `netorch` command: thin typer commands over `netorch.api`.

Exit codes (ARCHITECTURE.md): 0 success; 1 findings, failed devices or failed
verification; 2 wrong usage (unknown option, missing path). Every user mistake is
mapped to one of them here, in one place — never a traceback.
"""

from __future__ import annotations

import os
import signal
import sys
import threading

# The imports (most of the start-up): Ctrl-C meanwhile only takes note (an interrupt
# inside a library's native code, pydantic building its validators, would come out as
# that library's error), and the command then exits 130 quietly, as it does later on.
_import_interrupted: list[int] = []
_main_thread = threading.current_thread() is threading.main_thread()
_previous = signal.signal(signal.SIGINT, lambda signum, _frame: _import_interrupted.append(
    signum)) if _main_thread else None  # signal handlers belong to the main thread
try:
    from typing import Annotated

    import typer

    from netorch import __version__, commands
    from netorch.errors import UsageError, UserError
    from netorch.findings import InventoryError, printable
    from netorch.inventory import InventoryNotFound
finally:
    if _main_thread:
        signal.signal(signal.SIGINT, _previous)
if _import_interrupted:  # pragma: no cover - timing; tests/cli/test_clean_errors.py
    sys.stderr.write("netorch: interrupted\n")
    raise SystemExit(130)

app = typer.Typer(
    name="netorch",
    help="One secure comms fabric from one inventory: validate, plan, render, deploy, verify.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
commands.register(app)  # light: each command imports its stage when it runs


def version_callback(value: bool) -> None:
    if value:
        typer.echo(f"netorch {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=version_callback,
                                          is_eager=True, help="show the version")] = False,
) -> None:
    """netorch: one secure comms fabric from one inventory."""


def main(argv: list[str] | None = None) -> int:
    """Console entry point: run the app and map every user error to an exit code."""
    try:
        app(args=argv, prog_name="netorch")
    except SystemExit as exc:  # click's standalone mode: usage errors exit 2 with a message
        return _exit_code(exc)
    except InventoryNotFound as exc:
        return _report(f"{exc}", 2)
    except InventoryError as exc:
        for finding in exc.findings:
            typer.echo(finding.render(), err=True)
        return 1
    except UsageError as exc:
        return _report(str(exc), 2)
    except UserError as exc:
        return _report(str(exc), 1)
    except OSError as exc:  # a file the OS refused, wherever it was opened: name it
        return _report(_os_message(exc), 1)
    except BaseException as exc:  # Ctrl-C, also inside a library that wraps it (pydantic)
        if _interrupted(exc):
            return _interrupt()
        raise
    return 0


def _exit_code(exc: SystemExit) -> int:
    if _interrupted(exc):  # typer turns Ctrl-C into a silent exit 130
        return _interrupt()
    return exc.code if isinstance(exc.code, int) else 1


def _report(message: str, code: int) -> int:
    """One line on stderr: a value the user gave (a path, a --limit) cannot forge a line
    or send terminal escapes."""
    typer.echo(f"netorch: error: {printable(message)}", err=True)
    return code


INTERRUPTED = 130  # 128 + SIGINT, as shells report it


def _interrupt() -> int:
    """Ctrl-C: one line, exit 130 (writes in progress removed their temp files)."""
    lead = "\n" if sys.stderr.isatty() else ""  # past the terminal's "^C"
    typer.echo(f"{lead}netorch: interrupted", err=True)
    return INTERRUPTED


def _interrupted(exc: BaseException) -> bool:
    """Whether `exc` was caused, however indirectly, by a KeyboardInterrupt."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt) or _wrapped_interrupt(cause):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


def _wrapped_interrupt(exc: BaseException) -> bool:
    """pydantic-core turns a KeyboardInterrupt raised in a field serializer into a
    `PydanticSerializationError` naming it, with no `__cause__` (Ctrl-C while
    `plan --format json` writes): recognised by its type and message."""
    return type(exc).__name__ == "PydanticSerializationError" and \
        "KeyboardInterrupt" in str(exc)


def _os_message(exc: OSError) -> str:
    """'PATH: reason' for an OSError no command turned into a UserError."""
    where = exc.filename
    reason = exc.strerror or type(exc).__name__
    if isinstance(where, str | bytes):
        return f"{os.fsdecode(where)}: {reason}"
    return reason


def run() -> None:
    """setuptools console-script target."""
    code = main()
    if code == INTERRUPTED:
        _stop_workers()
    sys.exit(code)


def _stop_workers() -> None:
    """After Ctrl-C, worker threads (deploy's, verify's devices) still running would keep
    the process alive and a second Ctrl-C would print a traceback from the interpreter's
    exit: say so, wait for them, and let a second Ctrl-C leave at once, quietly."""
    workers = [t for t in threading.enumerate()
               if t is not threading.main_thread() and not t.daemon and t.is_alive()]
    if not workers:
        return
    typer.echo("netorch: waiting for the devices in progress to finish (Ctrl-C again to "
               "leave now)", err=True)
    try:
        for worker in workers:
            worker.join()
    except KeyboardInterrupt:
        typer.echo("netorch: left without waiting for workers", err=True)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(INTERRUPTED)


if __name__ == "__main__":  # pragma: no cover
    run()
