"""Release dates from a lock file: a date after today is an error at its line, and no
date, however far, makes the allocator's arithmetic overflow."""

from __future__ import annotations

import ipaddress
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from netorch import api
from netorch.cli import main
from netorch.findings import InventoryError
from netorch.plan.allocate import Pool, Retired, allocate, hold_ends
from netorch.plan.lockcheck import Checker
from netorch.plan.lockfile import read_lock
from netorch.yamlsource import load_file

FIXTURES = Path(__file__).parent.parent / "fixtures"
TODAY = date(2026, 11, 29)
EPOCH = "1795913600"  # 2026-11-29 00:53:20 UTC
POOL = Pool(ipaddress.IPv4Network("10.0.0.0/29"), 31)


def _lock(tmp_path: Path, released: str) -> Path:
    """psk-mesh whose mf-r1 loopback was released on `released` by a device now gone
    (so mf-r1 must be allocated again, and the allocator weighs that quarantine)."""
    shutil.copy(FIXTURES / "psk-mesh.yaml", tmp_path / "inv.yaml")
    text = (FIXTURES / "psk-mesh.allocations.yaml").read_text(encoding="utf-8")
    text = text.replace("  mf-r1: 100.65.0.5/32\n", "").replace(
        "retired: {loopbacks: {}, tunnels: {}}",
        f"retired:\n  loopbacks:\n    gone-r1: {{address: 100.65.0.5/32, released: {released}}}"
        "\n  tunnels: {}").replace("end: {loopbacks: 6, tunnels: 14, retired: 0}",
                                   "end: {loopbacks: 5, tunnels: 14, retired: 1}")
    path = tmp_path / "inv.allocations.yaml"
    path.write_text(text, encoding="utf-8")
    return path


TOMORROW = (datetime.now(UTC).date() + timedelta(days=1)).isoformat()


@pytest.mark.parametrize("epoch", [None, "0", EPOCH])
@pytest.mark.parametrize("released", ["9999-12-31", TOMORROW])
def test_a_release_after_today_is_an_error_at_its_date(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, released: str, epoch: str | None
        ) -> None:
    """After today by the clock, whatever $SOURCE_DATE_EPOCH says."""
    if epoch is None:
        monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    else:
        monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    path = _lock(tmp_path, released)
    lines = path.read_text().splitlines()
    entry = f"    gone-r1: {{address: 100.65.0.5/32, released: {released}}}"
    line, column = lines.index(entry) + 1, entry.index(released) + 1
    with pytest.raises(InventoryError) as info:
        read_lock(path, "psk-mesh")
    [finding] = info.value.findings
    assert (finding.location.line, finding.location.column) == (line, column)
    assert finding.message.startswith(f"released {released} is after today (")


def test_a_release_after_a_pinned_epoch_but_not_after_the_clock_is_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Reproducible builds pin $SOURCE_DATE_EPOCH in the past: a genuine lock file dated
    since then still reads."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1704067200")  # 2024-01-01
    today = datetime.now(UTC).date().isoformat()
    allocations = read_lock(_lock(tmp_path, today), "psk-mesh")
    assert allocations.retired_loopbacks["gone-r1"].released.isoformat() == today


def test_the_checker_takes_today_from_its_caller(tmp_path: Path) -> None:
    path = _lock(tmp_path, "2026-11-30")
    data, where, _ = load_file(path, path.as_posix())
    parsed = Checker(where, "psk-mesh", today=TODAY).check(path.read_bytes(), data)
    assert [f.message.split(":")[0] for f in parsed.findings] == [
        "released 2026-11-30 is after today (2026-11-29)"]
    assert Checker(where, "psk-mesh", today=date(2026, 11, 30)).check(
        path.read_bytes(), data).findings == []


def test_a_release_today_or_earlier_is_read(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    for released in ("2026-11-29", "0001-01-01"):
        allocations = read_lock(_lock(tmp_path, released), "psk-mesh")
        assert allocations.retired_loopbacks["gone-r1"].released.isoformat() == released


@pytest.mark.parametrize("command", ["validate", "plan", "render"])
def test_the_issues_far_future_date_is_no_traceback(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str) -> None:
    path = _lock(tmp_path, "9999-12-31")
    argv = [command, str(tmp_path / "inv.yaml")]
    code = main([*argv, "--out", str(tmp_path / "out")] if command == "render" else argv)
    captured = capsys.readouterr()
    assert code == 1 and "Traceback" not in captured.out + captured.err
    assert f"{path}:" in captured.out + captured.err
    assert "is after today" in captured.out + captured.err


def test_the_api_reports_it_as_a_finding(tmp_path: Path) -> None:
    _lock(tmp_path, "9999-12-31")
    result = api.validate(tmp_path / "inv.yaml")
    assert any("is after today" in f.message for f in result.findings)


# --- the allocator itself, for allocations built in Python --------------------------------

def test_hold_ends_saturates_at_the_end_of_the_calendar() -> None:
    assert hold_ends(date(2026, 1, 1), timedelta(days=30)) == date(2026, 1, 31)
    assert hold_ends(date.max, timedelta(days=1)) == date.max
    assert hold_ends(date(9999, 12, 1), timedelta(days=3650)) == date.max


@pytest.mark.parametrize("released", [date.max, date.min, date(9999, 12, 31)])
def test_allocate_never_overflows_on_a_far_date(released: date) -> None:
    """A retired block from any date: held back (or freed), never an OverflowError."""
    retired = {"gone": Retired("10.0.0.0/31", released)}
    ledger = allocate(POOL, ["a", "b", "c", "d"], {}, retired, today=TODAY,
                      hold=timedelta(days=3650))
    assert len(ledger.held) == 4
    if released > TODAY:
        assert [r.until for r in ledger.reused] == [date.max]


def test_allocate_at_the_end_of_the_calendar() -> None:
    ledger = allocate(POOL, ["a"], {"gone": "10.0.0.0/31"}, {}, today=date.max,
                      hold=timedelta(days=30))
    assert ledger.retired == {"gone": Retired("10.0.0.0/31", date.max)}
