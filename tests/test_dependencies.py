"""Every declared dependency is imported where it serves, and every import is declared.

pyproject's `dependencies` against the imports of `netorch/` (and the `dev` extra against
those of `tests/`), mapped from import names to distributions by the installed metadata
(`importlib.metadata.packages_distributions`), not by a hand-kept table.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
# What pip installs for the tests themselves, not imported by name
TOOLS = {"pytest-xdist", "ruff", "mypy", "types-pyyaml", "types-paramiko", "wheel"}


def _canonical(requirement: str) -> str:
    """The distribution's normalised name (PEP 503) of a requirement string."""
    name = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
    assert name, requirement
    return re.sub(r"[-_.]+", "-", name[0]).lower()


def _imported(folder: Path) -> set[str]:
    """Top-level names of every absolute import under `folder`, also inside functions."""
    names: set[str] = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names


def _local(*folders: Path) -> set[str]:
    """Modules a test imports from the repository's own folders (`import harness`,
    `import generate` of benchmarks/)."""
    return {p.stem for folder in folders for p in folder.rglob("*.py")}


def _third_party(names: set[str]) -> dict[str, set[str]]:
    """Each third-party import name -> the distributions that provide it."""
    provided = packages_distributions()
    local = {"netorch", "tests", "__future__"} | set(sys.stdlib_module_names) | _local(
        ROOT / "tests", ROOT / "benchmarks", ROOT / "scripts")
    out = {}
    for name in sorted(names - local):
        dists = {_canonical(d) for d in provided.get(name, [])}
        assert dists, f"`import {name}`: no installed distribution provides it"
        out[name] = dists
    return out


def _undeclared(imports: dict[str, set[str]], declared: set[str]) -> list[str]:
    return [f"{name} (from {', '.join(sorted(d))})" for name, d in imports.items()
            if not d & declared]


RUNTIME = {_canonical(r) for r in PROJECT["dependencies"]}
DEV = {_canonical(r) for r in PROJECT["optional-dependencies"]["dev"]}


def test_every_import_of_netorch_is_a_declared_dependency() -> None:
    imports = _third_party(_imported(ROOT / "netorch"))
    assert _undeclared(imports, RUNTIME) == []


def test_every_dependency_is_imported_by_netorch() -> None:
    used = set().union(*_third_party(_imported(ROOT / "netorch")).values())
    assert sorted(RUNTIME - used) == []


def test_every_import_of_the_tests_is_declared_and_every_dev_package_is_used() -> None:
    imports = _third_party(_imported(ROOT / "tests"))
    assert _undeclared(imports, RUNTIME | DEV) == []
    used = set().union(*imports.values())
    assert sorted(DEV - used - TOOLS) == []


def test_the_napalm_family_is_not_declared_while_netorch_implements_its_contract() -> None:
    """netorch's drivers follow NAPALM's lifecycle over Netmiko (docs/deploy.md)."""
    assert not RUNTIME & {"napalm", "nornir-napalm", "netutils", "networkx", "netaddr"}
    assert "NAPALM" in (ROOT / "docs" / "deploy.md").read_text()
