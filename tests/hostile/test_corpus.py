"""The hostile-input corpus (issue 12 §7): one test per case file in `cases/<class>/`.

Each case runs the CLI on a copy of a fixture inventory with the case's edits, then is
judged against its own `expect:` and the invariants every run keeps (harness.py).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.hostile.harness import (
    CONTROL,
    Case,
    Run,
    build,
    changed_paths,
    expectations,
    invariants,
    load_cases,
    run_case,
    snapshot,
)

CASES = load_cases()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(case: Case, tmp_path: Path) -> None:
    if case.skip_if_root and os.geteuid() == 0:
        pytest.skip("file modes do not stop root")
    work = tmp_path / "work"
    work.mkdir()
    places = build(case, work)
    before = snapshot(work)
    outcome = run_case(case, work)
    after = snapshot(work)
    run = Run(case, work, places, outcome, changed_paths(before, after), after)
    problems = invariants(run) + expectations(run)
    assert not problems, _explain(run, problems)
    shutil.rmtree(work)  # FIFOs and 32 MiB files need not outlive a passing case


BASELINE = [("validate", "{inv}"), ("plan", "{inv}", "--format", "json"),
            ("render", "{inv}", "--redact", "--out", "out"),
            ("report", "{inv}", "--format", "md"), ("validate", "{inv}", "--format", "junit")]


@pytest.mark.parametrize("layout", ["dir", "file"])
@pytest.mark.parametrize("argv", BASELINE, ids=[" ".join(a[:1] + a[2:]) for a in BASELINE])
def test_unedited_base_passes(argv: tuple[str, ...], layout: str, tmp_path: Path) -> None:
    """The control: each base inventory, unedited, succeeds and keeps every invariant; so
    a case that expects exit 1 fails because of its edits, not because of the base."""
    inventory = "inv" if layout == "dir" else "inv.yaml"
    run_argv = tuple(a.replace("{inv}", inventory) for a in argv)
    case = Case(group="baseline", name=layout, path=Path(), description="unedited base",
                fixture="psk-mesh", layout=layout, edits=(), run=run_argv, env={},
                isolate=False, limits={}, umask=None, writes=(), expect={"exit": 0},
                skip_if_root=False)
    test_case(case, tmp_path)


def test_corpus_covers_every_class() -> None:
    classes = {c.group for c in CASES}
    assert len(CASES) >= 100
    assert classes >= {"injection", "identity", "unicode", "report", "validate-output",
                       "lockfile", "output", "sites", "state", "secret", "usage", "files",
                       "semantic"}


def _quoted(argv: tuple[str, ...]) -> str:
    """The command line as a shell would take it, control characters escaped (the
    report of a hostile case must not itself be hostile to the terminal)."""
    return " ".join(a if a.isprintable() and a and " " not in a else repr(a) for a in argv)


def _explain(run: Run, problems: list[str]) -> str:
    def tail(text: str) -> str:
        return text[-1500:] if len(text) > 1500 else text

    return (f"{run.case.id}: {run.case.description}\n"
            f"$ netorch {_quoted(run.case.run)}   -> exit {run.outcome.code}\n"
            + "".join(f"* {p}\n" for p in problems)
            + f"--- stdout\n{_inert(tail(run.outcome.stdout))}\n"
            f"--- stderr\n{_inert(tail(run.outcome.stderr))}")


def _inert(text: str) -> str:
    return CONTROL.sub(lambda m: repr(m.group())[1:-1], text)
