"""The wheel a user installs carries every platform's templates."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_ships_templates_of_every_builtin_platform(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps",
                    "--no-build-isolation", "-q", "-w", str(tmp_path)],
                   check=True, capture_output=True)
    [wheel] = tmp_path.glob("netorch-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for platform in sorted(p.name for p in (ROOT / "templates").iterdir() if p.is_dir()):
        shipped = {n for n in names if n.startswith(f"netorch/_templates/{platform}/")}
        source = {f"netorch/_templates/{platform}/{f.name}"
                  for f in (ROOT / "templates" / platform).glob("*.j2")}
        assert source and shipped >= source, platform
    assert "netorch/py.typed" in names
    assert not any(n.startswith("tests/") for n in names)
