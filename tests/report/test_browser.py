"""The HTML report as a person sees it: headless Chromium, offline, screenshot taken.

Set NETORCH_UPDATE_SCREENSHOT=1 to refresh docs/report.png from this run.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from netorch.report import Report, render
from tests.report.cdp import Browser, find_browser
from tests.report.conftest import ROOT

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(find_browser() is None,
                       reason="chromium is not installed (Debian: apt-get install chromium)"),
]

COUNT = "document.querySelectorAll({!r}).length"


def test_report_renders_offline_in_chromium(example: Report, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(render(example, "html"), encoding="utf-8")
    shot = tmp_path / "report.png"
    with Browser(width=1400, height=1400) as browser:
        load = browser.open(page.as_uri())
        assert load.requests == [page.as_uri()], "the page made a request of its own"
        assert load.errors == []
        assert browser.evaluate(COUNT.format("figure svg g.node.site")) == len(example.sites)
        ids = browser.evaluate("[...document.querySelectorAll('g.node.site')].map(g => g.id)")
        assert sorted(ids) == sorted(f"site-{s.name}" for s in example.sites)
        width = browser.evaluate("document.querySelector('figure svg').getBoundingClientRect()"
                                 ".width")
        assert width > 300
        assert browser.evaluate(COUNT.format("#site-table tbody tr")) == len(example.sites)
        assert browser.evaluate(COUNT.format("#tunnel-table tbody tr")) == len(example.tunnels)
        assert browser.evaluate(COUNT.format("#tunnel-compliance tbody tr")) == 188
        assert browser.evaluate(COUNT.format("#zone-answers tbody tr")) == 5
        assert browser.evaluate(COUNT.format("#matrix-zone td")) == 25
        verdict = browser.evaluate("document.querySelector('.verdict').innerText")
        tunnels = len(example.tunnels)
        assert verdict.startswith(f"COMPLIANT {tunnels} of {tunnels} tunnels pass")
        bottom = browser.evaluate("document.getElementById('topology')"
                                  ".getBoundingClientRect().bottom + window.scrollY")
        png = browser.screenshot(shot, height=bottom + 16)  # summary and diagram
    assert png.startswith(b"\x89PNG") and len(png) > 50_000
    if os.environ.get("NETORCH_UPDATE_SCREENSHOT"):
        shutil.copyfile(shot, ROOT / "docs" / "report.png")


def test_a_page_that_reaches_out_is_caught(tmp_path: Path) -> None:
    """The harness itself: an external image is refused and reported, not fetched."""
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><meta http-equiv="Content-Security-Policy" '
                    "content=\"default-src 'none'\"><img src=\"http://example.invalid/x.png\">"
                    "<script>console.error('boom')</script>", encoding="utf-8")
    with Browser() as browser:
        load = browser.open(page.as_uri())
    assert load.errors, "a CSP violation must show up as a console error"
