"""Benchmark: the HTML report of a 1,000-site fabric (target ≤ 10 s) and the time
Chromium takes to open it (target ≤ 5 s).

    python benchmarks/bench_report.py [--sites 1000]

The synthetic inventory comes from benchmarks/generate.py, in a temporary directory.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

import generate  # noqa: E402

from netorch import api  # noqa: E402
from netorch.report import make_report, render  # noqa: E402
from tests.report.cdp import Browser, find_browser  # noqa: E402

REPORT_TARGET, OPEN_TARGET = 10.0, 5.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=1000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="netorch-bench-") as tmp:
        inventory = generate.lock(generate.write(args.sites, "dir", Path(tmp) / "inventory"))
        start = time.perf_counter()
        report = make_report(api.load(inventory), generated_at="2024-01-01T00:00:00Z")
        modelled = time.perf_counter()
        html = render(report, "html")
        done = time.perf_counter()
        page = Path(tmp) / "report.html"
        page.write_text(html, encoding="utf-8")
        total = done - start
        print(f"sites {args.sites}, tunnels {len(report.tunnels)}, html {len(html) / 1e6:.1f} MB")
        print(f"report: load+check+plan+model {modelled - start:.2f} s, html "
              f"{done - modelled:.2f} s, total {total:.2f} s (target ≤ {REPORT_TARGET:.0f} s)")
        ok = total <= REPORT_TARGET
        if find_browser() is None:
            print("chromium: not installed, open time not measured")
            return 0 if ok else 1
        with Browser(width=1400, height=1000, timeout=120) as browser:
            load = browser.open(page.as_uri())
            nodes = browser.evaluate("document.querySelectorAll('g.node.site').length")
        print(f"chromium: opened in {load.seconds:.2f} s (target ≤ {OPEN_TARGET:.0f} s), "
              f"{nodes} site nodes, {len(load.errors)} console errors, "
              f"{len(load.requests) - 1} extra requests")
        ok = ok and load.seconds <= OPEN_TARGET and nodes == args.sites
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
