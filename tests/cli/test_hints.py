"""Hints name only options that exist (`diff` once suggested a `--redact` it has not).

Every `--option` in a message netorch builds (an exception, a finding, a line it
echoes) is checked against the click tree: after `netorch CMD` in the message, CMD must
have it; elsewhere, each command module that imports the message's module must have a
command with it (a module no command imports directly: some command must)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import typer

from netorch import cli

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "netorch"
MESSAGE_CALL = re.compile(r"(Error|Missing|Exception|Refused)$|^(error|warning|note|echo|"
                          r"_report|fail|_fail|_refused)$")
OPTION = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")
NAMED = re.compile(r"netorch ([a-z][a-z-]*)((?:(?!netorch )[^`'\"])*)")


def _flags(cmd: object) -> set[str]:
    """A command's options; a group's (`netorch pki`) are those of its subcommands."""
    own = {o for p in getattr(cmd, "params", []) for o in [*p.opts,
                                                           *getattr(p, "secondary_opts", [])]}
    for sub in getattr(cmd, "commands", {}).values():
        own |= _flags(sub)
    return own


def _options() -> dict[str, set[str]]:
    group = typer.main.get_command(cli.app)
    return {name: _flags(cmd) for name, cmd in group.commands.items()}


OPTIONS = _options()


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _registered(tree: ast.Module) -> set[str]:
    """The commands a module registers: `app.command("name")(f)` or `@app.command()`."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "command":
            names |= {a.value for a in node.args if isinstance(a, ast.Constant)}
        if isinstance(node, ast.FunctionDef):
            for deco in node.decorator_list:
                if isinstance(deco, ast.Call) and getattr(deco.func, "attr", "") == "command" \
                        and not deco.args:
                    names.add(node.name)
    return names & set(OPTIONS)


def _imports(tree: ast.Module) -> set[str]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
            out |= {f"{node.module}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
    return out


TREES = {_module_name(p): ast.parse(p.read_text(), str(p)) for p in PACKAGE.rglob("*.py")}
COMMAND_MODULES = {m: _registered(t) for m, t in TREES.items() if _registered(t)}


def _messages(tree: ast.Module) -> list[tuple[int, str, str]]:
    """Each message-building call: its line, the top-level function it is in, and its
    string parts in order."""
    out = []
    for top in tree.body:
        function = getattr(top, "name", "")
        for node in ast.walk(top):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None) or ""
            if MESSAGE_CALL.search(name):
                parts = [n.value for a in [*node.args, *(k.value for k in node.keywords)]
                         for n in ast.walk(a) if isinstance(n, ast.Constant)
                         and isinstance(n.value, str)]
                out.append((node.lineno, function, "".join(parts)))
    return out


def _commands_that_show(module: str, function: str) -> list[set[str]]:
    """For each command module that is `module`, or imports `function` from it, its
    commands (none found: any command may show the message)."""
    return [commands for m, commands in COMMAND_MODULES.items()
            if m == module or f"{module}.{function}" in _imports(TREES[m])]


def _problems() -> list[str]:
    problems = []
    for module, tree in sorted(TREES.items()):
        for line, function, text in _messages(tree):
            where = f"{module}:{line}"
            for command, tail in NAMED.findall(text):
                problems += [f"{where}: netorch {command} has no {o}"
                             for o in OPTION.findall(tail)
                             if command not in OPTIONS or o not in OPTIONS[command]]
            bare = NAMED.sub("", text)
            for option in OPTION.findall(bare):
                shown = _commands_that_show(module, function) or [set(OPTIONS)]
                for commands in shown:
                    if not any(option in OPTIONS[c] for c in commands):
                        problems.append(f"{where}: {option} is not an option of "
                                        f"{', '.join(sorted(commands))}")
    return problems


def test_the_scan_sees_the_hints() -> None:
    mentions = sum(len(OPTION.findall(t)) for tree in TREES.values() for *_, t in
                   _messages(tree))
    assert mentions > 10
    assert COMMAND_MODULES["netorch.commands.deploy"] == {"diff", "deploy", "verify"}


def test_every_option_a_message_names_exists_where_it_can_be_shown() -> None:
    assert _problems() == []


@pytest.mark.parametrize(("text", "bad"), [
    ("set NETORCH_SECRET or use --redact", True),   # shown by diff, which has no --redact
    ("pass --secret-file", False),
])
def test_the_check_catches_a_hint_naming_a_missing_option(text: str, bad: bool) -> None:
    """The bug the issue saw: keys.py's message, shown by `diff`, named `--redact`."""
    tree = ast.parse(f"def load_secret():\n    raise SecretMissing({text!r})")
    TREES["netorch.keys"], saved = tree, TREES["netorch.keys"]
    try:
        assert bool([p for p in _problems() if p.startswith("netorch.keys:")]) is bad
    finally:
        TREES["netorch.keys"] = saved
