"""Re-render the goldens after a deliberate change, for review with `git diff`.

    python tests/golden/update.py                        # every platform with templates
    python tests/golden/update.py --platform linux_strongswan --case psk-mesh

Writes only files that changed, deletes goldens of devices or files that are no
longer rendered, removes `.actual` leftovers, and prints what it did. Read the diff
line by line before committing: goldens are reviewed, not regenerated blindly.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    CASES,
    ROOT,
    Case,
    devices_of,
    has_templates,
    platforms,
    rendered,
)


def update(platform: str, case: Case) -> list[str]:
    changes: list[str] = []
    root = case.folder(platform)
    keep: set[Path] = set()
    files = rendered(case, platform)
    for site, device in devices_of(case, platform):
        folder = root / site / device
        for name, text in sorted(files[device].items()):
            path = folder / name
            keep.add(path)
            if not path.is_file() or path.read_text() != text:
                folder.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
                changes.append(f"wrote   {path.relative_to(ROOT)}")
    changes += _prune(root, keep, case)
    return changes


def _prune(root: Path, keep: set[Path], case: Case) -> list[str]:
    """Remove files not rendered any more (not those of other cases nested below)."""
    changes: list[str] = []
    if not root.is_dir():
        return changes
    nested = [c.folder(p) for c in CASES if c is not case for p in platforms()]
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path in keep:
            continue
        if any(n != root and n.is_relative_to(root) and path.is_relative_to(n) for n in nested):
            continue
        path.unlink()
        changes.append(f"removed {path.relative_to(ROOT)}")
    for folder in sorted((p for p in root.rglob("*") if p.is_dir()), reverse=True):
        if not any(folder.iterdir()):
            shutil.rmtree(folder)
    return changes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--platform", action="append", help="only this platform (repeatable)")
    parser.add_argument("--case", action="append", choices=[c.name for c in CASES],
                        help="only this case (repeatable)")
    args = parser.parse_args(argv)
    changes: list[str] = []
    for platform in args.platform or platforms():
        if not has_templates(platform):
            print(f"skip    {platform}: no templates")
            continue
        for case in CASES:
            if case.wants(platform) and (not args.case or case.name in args.case):
                changes += update(platform, case)
    print("\n".join(changes) if changes else "goldens unchanged")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
