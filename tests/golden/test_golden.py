"""Rendered configs equal the reviewed goldens: one test per platform, case and device.

On a mismatch the rendered file is written beside the golden as `<file>.actual` and
the test fails with a unified diff. Update deliberately: `python tests/golden/update.py`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .harness import CASES, Case, devices_of, expected, has_templates, platforms, rendered, unified

UPDATE_HINT = "review, then run `python tests/golden/update.py` to accept"
HEX_KEY = re.compile(r"\b[0-9a-f]{64}\b")


def _params() -> list[object]:
    params: list[object] = []
    for platform in platforms():
        for case in CASES:
            if not case.wants(platform):
                continue
            for site, device in devices_of(case, platform):
                params.append(pytest.param(platform, case, site, device,
                                           id=f"{platform}/{case.name}/{device}"))
    return params


def _mismatches(folder: Path, got: dict[str, str]) -> list[str]:
    want = expected(folder)
    problems = []
    for name in sorted(set(want) | set(got)):
        actual = folder / f"{name}.actual"
        if want.get(name) == got.get(name):
            actual.unlink(missing_ok=True)
            continue
        if name in got:
            folder.mkdir(parents=True, exist_ok=True)
            actual.write_text(got[name])
        problems.append(f"{folder / name}:\n" + (unified(name, want.get(name, ""),
                                                         got.get(name, ""))
                                                 or "(missing golden file)\n"))
    return problems


@pytest.mark.parametrize(("platform", "case", "site", "device"), _params())
def test_rendered_config_matches_golden(platform: str, case: Case, site: str,
                                        device: str) -> None:
    if not has_templates(platform):
        pytest.skip(f"no templates for {platform} yet")
    got = rendered(case, platform)[device]
    assert got, f"{device} rendered no files"
    problems = _mismatches(case.folder(platform) / site / device, got)
    assert not problems, f"{device} differs from its goldens ({UPDATE_HINT}):\n" + "\n".join(
        problems)


@pytest.mark.parametrize("platform", platforms())
def test_no_stale_golden_folders(platform: str) -> None:
    """A golden folder whose device the inventories no longer render is an error."""
    folders = {case.folder(platform) / site / device
               for case in CASES if case.wants(platform)
               for site, device in devices_of(case, platform)}
    root = Path(__file__).resolve().parent / platform
    existing = {p.parent for p in root.rglob("*") if p.is_file()} if root.is_dir() else set()
    stale = sorted(str(p) for p in existing - folders)
    assert not stale, f"golden folders of no rendered device ({UPDATE_HINT}): {stale}"


def test_goldens_hold_no_key() -> None:
    """Goldens are rendered redacted: nothing that looks like a derived PSK."""
    root = Path(__file__).resolve().parent
    leaks = [str(p) for p in sorted(root.rglob("*"))
             if p.is_file() and p.suffix not in (".py", ".md") and HEX_KEY.search(p.read_text())]
    assert not leaks, f"possible keys in goldens: {leaks}"
