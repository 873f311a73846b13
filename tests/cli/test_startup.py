"""A command imports only what it needs (issue 15): `validate`, `plan` and `render` run
without the SSH and Nornir stack, and `validate` without Jinja2 or rich either.

Each case is a fresh interpreter running the CLI's `main` in-process, which then lists
`sys.modules`: what the command really loaded, not a timer (start-up time itself is
`benchmarks/bench_startup.py`'s)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

# The deploy / verify / simulator stack: SSH clients and servers, Nornir and its
# plugins, the TextFSM templates.
SSH_STACK = frozenset({"paramiko", "netmiko", "nornir", "nornir_netmiko", "nornir_napalm",
                       "napalm", "asyncssh", "ntc_templates", "textfsm"})
# What only rendering (Jinja2) or a table (rich) needs.
RENDER_STACK = frozenset({"jinja2", "rich"})

PROBE = """
import sys
from netorch.cli import main
listing, argv = sys.argv[1], sys.argv[2:]
code = main(argv)
with open(listing, "w") as out:
    out.write("\\n".join([str(code), *sorted({m.split(".")[0] for m in sys.modules})]))
"""


def _loaded(tmp_path: Path, *argv: str) -> set[str]:
    """The top-level packages a fresh `netorch ARGV` imported (it must exit 0)."""
    listing = tmp_path / "modules.txt"
    run = subprocess.run([sys.executable, "-c", PROBE, str(listing), *argv],
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    code, *modules = listing.read_text().splitlines()
    assert code == "0", run.stdout + run.stderr
    return set(modules)


def test_validate_loads_no_ssh_nornir_jinja2_or_rich(tmp_path: Path,
                                                     example_inventory: Path) -> None:
    loaded = _loaded(tmp_path, "validate", str(example_inventory))
    assert "netorch" in loaded and "pydantic" in loaded  # the probe sees what ran
    assert loaded & (SSH_STACK | RENDER_STACK) == set()


@pytest.mark.parametrize("fmt", ["json", "table"])
def test_plan_loads_no_ssh_or_nornir(tmp_path: Path, example_inventory: Path,
                                     fmt: str) -> None:
    loaded = _loaded(tmp_path, "plan", str(example_inventory), "--frozen", "--format", fmt,
                     "--out", str(tmp_path / "plan.out"))
    assert loaded & SSH_STACK == set()
    assert "jinja2" not in loaded


def test_render_loads_no_ssh_or_nornir(tmp_path: Path, example_inventory: Path) -> None:
    loaded = _loaded(tmp_path, "render", str(example_inventory), "--redact", "--out",
                     str(tmp_path / "out"))
    assert "jinja2" in loaded  # it did render
    assert loaded & SSH_STACK == set()
    assert any((tmp_path / "out").rglob("*.conf"))


def test_schema_and_version_load_no_stage_stack(tmp_path: Path) -> None:
    for argv in (["schema"], ["--version"]):
        assert _loaded(tmp_path, *argv) & (SSH_STACK | RENDER_STACK) == set(), argv
