"""One CLI: every option and argument has help, shows its choices and a metavar (never a
Python type such as `<int>` or `<list[Path]>`), and the README lists every command and
option the click tree has."""

from __future__ import annotations

import re
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
import typer

from netorch import cli
from netorch.commands.common import HIDDEN_ALIASES

REPO = Path(__file__).resolve().parents[2]
PYTHON_TYPES = {"int", "integer", "float", "str", "text", "string", "path", "file",
                "directory", "bool", "boolean", "list", "tuple", "uuid", "datetime"}


def _tree() -> tuple[Any, dict[str, Any]]:
    group = typer.main.get_command(cli.app)
    return group, {name: cmd for name, cmd in group.commands.items() if not cmd.hidden}


ROOT, COMMANDS = _tree()


def _params(command: Any) -> list[Any]:
    return [p for p in command.params if p.name != "help" and not getattr(p, "hidden", False)]


def _choices(param: Any) -> list[str]:
    """The choices of an enum-typed parameter (empty for any other)."""
    desc = getattr(param, "type_descriptor", None)
    if desc is None or not desc.is_choice:
        return []
    return [c.value if isinstance(c, Enum) else str(c) for c in desc.choices or ()]


def _help_text(name: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert cli.main([name, "--help"]) == 0
    return capsys.readouterr().out


def _long_names(param: Any) -> list[str]:
    names = [*param.opts, *getattr(param, "secondary_opts", [])]
    return [n for n in names if n.startswith("--") and n not in HIDDEN_ALIASES]


def test_the_commands_are_those_of_the_architecture() -> None:
    assert set(COMMANDS) >= {"validate", "schema", "plan", "render", "report", "diff",
                             "deploy", "verify", "rehearse", "lab"}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_parameter_has_help_and_a_metavar_not_a_python_type(name: str) -> None:
    for param in _params(COMMANDS[name]):
        where = f"{name} {param.opts[0]}"
        assert (param.help or "").strip(), f"{where}: no help text"
        flag = getattr(param, "is_flag", False)
        if flag or _choices(param):
            continue
        metavar = param.metavar
        assert metavar, f"{where}: no metavar (help would show its Python type)"
        assert re.fullmatch(r"[A-Z][A-Za-z0-9_.|-]*", metavar), f"{where}: {metavar}"
        assert metavar not in PYTHON_TYPES, f"{where}: {metavar}"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_help_shows_choices_and_no_python_type(name: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    text = _help_text(name, capsys)
    choice_lists = {"|".join(_choices(p)) for p in _params(COMMANDS[name]) if _choices(p)}
    for shown in re.findall(r"<([^>]*)>", text):
        assert shown in choice_lists, f"netorch {name} --help shows <{shown}>"
    for param in _params(COMMANDS[name]):
        for choice in _choices(param):
            assert re.search(rf"(?<![\w-]){re.escape(choice)}(?![\w-])", text), (
                f"{name} {param.opts[0]}: choice {choice} not shown")


def test_an_old_option_name_is_hidden_but_still_works(capsys: pytest.CaptureFixture[str],
                                                      tmp_path: Path) -> None:
    assert "--template-dir" not in _help_text("render", capsys)
    assert "--template-dir" not in _help_text("lab", capsys)
    code = cli.main(["render", str(REPO / "tests" / "fixtures" / "psk-mesh.yaml"),
                     "--redact", "--template-dir", str(tmp_path), "--out", str(tmp_path / "o"),
                     "--limit", "mesh-linux"])
    assert code == 0, capsys.readouterr().err


def test_one_option_name_means_one_thing_everywhere() -> None:
    """The same long name has the same short name, and is a flag or takes a value, in every
    command (`--out` is a FILE, for `render` a DIR)."""
    seen: dict[str, tuple[tuple[str, ...], bool]] = {}
    for name, command in sorted(COMMANDS.items()):
        for param in _params(command):
            if param.param_type_name != "option":
                continue
            shape = (tuple(sorted(param.opts)), bool(param.is_flag))
            first = seen.setdefault(param.opts[-1] if param.opts[-1].startswith("--")
                                    else param.opts[0], shape)
            assert first == shape, f"{name} {param.opts}: {shape} elsewhere {first}"


# The README's command synopsis: one entry per command, continuation lines indented.
def _readme_synopsis() -> dict[str, str]:
    text = (REPO / "README.md").read_text()
    block = text.split("## The CLI", 1)[1].split("```", 2)[1]
    entries: dict[str, str] = {}
    last = ""
    for line in block.splitlines():
        if m := re.match(r"netorch (\S+)", line):
            last = m[1]
            entries[last] = line
        elif line.startswith(" ") and last:
            entries[last] += " " + line.strip()
    return entries


def test_the_readme_lists_every_command_and_option() -> None:
    synopsis = _readme_synopsis()
    assert sorted(synopsis) == sorted(COMMANDS)
    for name, command in COMMANDS.items():
        line = synopsis[name]
        mentioned = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", line))
        known = {n for p in _params(command) for n in _long_names(p)}
        assert mentioned <= known, f"README: netorch {name} has no {mentioned - known}"
        for param in _params(command):
            if param.param_type_name == "option":
                assert set(_long_names(param)) & mentioned, f"README: {name} {param.opts}"
            choices = "|".join(_choices(param))
            assert choices in line, f"README: netorch {name}: {choices}"
