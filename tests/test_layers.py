"""The package layering: which netorch package may import which (module-level imports;
TYPE_CHECKING blocks excluded, documented lazy imports included). A backward arrow,
e.g. render -> lab or verify -> deploy, fails here before it spreads.

The pipeline reads top to bottom; a package may import only packages below it:

    cli, commands                      the CLI
    api, lab, rehearse, report         what commands drive
    deploy                             pushes (uses verify for the tier check)
    verify, render                     read live state / write configs
    transport, sim                     SSH to devices / simulated devices
    validation, checks                 check the inventory
    pki, plan                          the fabric's certificates; plan the inventory
    platforms (the contract)           what each platform is
    inventory, findings, fsio, ...     the inventory and the basics

Built-in plugins (netorch/platforms/<name>/) sit beside the stages they serve: a plugin
may import the contracts of deploy, verify, sim and transport; only the lab names one
(linux_strongswan, the platform it runs).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "netorch"
BUILTIN_PLUGINS = {"cisco_iosxe", "juniper_junos", "fortinet_fortios", "linux_strongswan"}
BASICS = {"errors", "findings", "fsio", "yamlsource", "inventory", "topology", "crypto",
          "keys", "limit", "schema", "codes", "fingerprint", "output", "platforms"}
# (module, package) imports allowed against FORBIDDEN, each for a stated reason
EXCEPTIONS = {
    # the contract checks that a plugin's reference is a Driver / SimDevice, importing
    # the base class only when the reference is loaded (never at start-up)
    ("netorch.platforms", "deploy"), ("netorch.platforms", "sim"),
}
# package -> packages it must never import (directly, at any depth)
FORBIDDEN: dict[str, set[str]] = {
    "inventory": {"plan", "checks", "render", "deploy", "verify", "transport", "sim", "lab",
                  "report", "rehearse", "commands", "cli", "api"},
    "platforms": {"plan", "render", "deploy", "verify", "transport", "sim", "lab",
                  "report", "rehearse", "commands", "cli", "api"},
    "plan": {"render", "deploy", "verify", "transport", "sim", "lab", "report", "rehearse",
             "commands", "cli", "api"},
    "pki": {"checks", "validation", "render", "deploy", "verify", "transport", "sim", "lab",
            "report", "rehearse", "commands", "cli", "api"},
    "checks": {"render", "deploy", "verify", "transport", "sim", "lab", "report",
               "rehearse", "commands", "cli", "api"},
    "validation": {"render", "deploy", "verify", "transport", "sim", "lab", "report",
                   "rehearse", "commands", "cli", "api"},
    "render": {"deploy", "verify", "transport", "sim", "lab", "report", "rehearse",
               "commands", "cli", "api"},
    "transport": {"deploy", "verify", "render", "sim", "lab", "report", "rehearse",
                  "commands", "cli", "api"},
    "verify": {"deploy", "render", "sim", "lab", "report", "rehearse", "commands", "cli",
               "api"},
    "sim": {"render", "verify", "lab", "report", "rehearse", "commands", "cli", "api"},
    "deploy": {"render", "lab", "report", "rehearse", "commands", "cli", "api"},
    "report": {"deploy", "transport", "sim", "lab", "rehearse", "commands", "cli"},
    "rehearse": {"lab", "report", "commands", "cli"},
    "lab": {"report", "rehearse", "commands", "cli"},
    "api": {"deploy", "transport", "sim", "lab", "report", "rehearse", "commands", "cli"},
}


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _plugin(module: str) -> str | None:
    """The plugin package `module` is in or names, if any."""
    parts = module.split(".")
    found = parts[:2] == ["netorch", "platforms"] and len(parts) > 2 \
        and (ROOT / "platforms" / parts[2]).is_dir()
    return parts[2] if found else None


def _imports(path: Path) -> Iterator[tuple[str, int]]:
    """(module, line) of every netorch import in `path`, outside `if TYPE_CHECKING:`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    todo: list[ast.AST] = [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            todo.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            yield from ((a.name, node.lineno) for a in node.names
                        if a.name.startswith("netorch."))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("netorch."):
            module = node.module or ""
            yield module, node.lineno
            yield from ((f"{module}.{a.name}", node.lineno) for a in node.names)
        todo.extend(ast.iter_child_nodes(node))


def _modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT.parent).with_suffix("")
        out.append((".".join(relative.parts).removesuffix(".__init__"), path))
    return out


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_backward_import(package: str) -> None:
    bad = [f"{path.relative_to(ROOT.parent)}:{line}: imports {target}"
           for module, path in _modules() if _package(module) == package
           and _plugin(module) is None
           for target, line in _imports(path) if _package(target) in FORBIDDEN[package]
           and (module, _package(target)) not in EXCEPTIONS]
    assert not bad, "\n".join(bad)


def test_only_the_lab_names_a_builtin_plugin_outside_netorch_platforms() -> None:
    bad = []
    for module, path in _modules():
        if _plugin(module) is not None:
            continue
        for target, line in _imports(path):
            plugin = _plugin(target)
            if plugin in BUILTIN_PLUGINS and not (
                    _package(module) == "lab" and plugin == "linux_strongswan"):
                bad.append(f"{path.relative_to(ROOT.parent)}:{line}: imports {target}")
    assert not bad, "\n".join(bad)


def test_a_plugin_does_not_import_another_plugin_or_a_stage_above_it() -> None:
    above = {"render", "lab", "report", "rehearse", "commands", "cli", "api", "plan",
             "checks", "validation"}
    bad = []
    for module, path in _modules():
        mine = _plugin(module)
        if mine is None:
            continue
        for target, line in _imports(path):
            other = _plugin(target)
            if (other is not None and other != mine) or _package(target) in above:
                bad.append(f"{path.relative_to(ROOT.parent)}:{line}: imports {target}")
    assert not bad, "\n".join(bad)


def test_the_basics_import_only_basics() -> None:
    bad = [f"{path.relative_to(ROOT.parent)}:{line}: imports {target}"
           for module, path in _modules()
           if _package(module) in BASICS - {"platforms", "output", "fingerprint", "schema",
                                            "codes"} and _plugin(module) is None
           for target, line in _imports(path) if _package(target) not in BASICS]
    assert not bad, "\n".join(bad)
