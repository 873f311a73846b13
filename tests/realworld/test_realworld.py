"""The public real-world corpus (README.md here): every config loads completely into its
simulator, and a deploy rehearsed on it changes none of the operator's lines.

The corpus fabric is rehearsed twice: with netorch's defaults, where the configs that
already run BGP (another ASN, a router-id) or zones must show conflicts and get nothing;
and with each conflict's resolving setting, where every device must come out clean:
0 operator lines changed, a second deploy unchanged.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from netorch.cli import main
from netorch.deploy.driver import driver_for
from netorch.sim.fleet import device_class
from tests.realworld import corpus

CONFIGS = corpus.configs()
PLATFORMS = ("cisco_iosxe", "juniper_junos", "fortinet_fortios")


def test_the_corpus_has_at_least_eight_configs_per_platform() -> None:
    for platform in PLATFORMS:
        assert sum(c.platform == platform for c in CONFIGS) >= 8, platform


@pytest.mark.parametrize("config", CONFIGS, ids=[c.name for c in CONFIGS])
def test_the_simulator_loads_every_line_and_prints_it_back_stably(
        config: corpus.Config) -> None:
    cls, driver = device_class(config.platform), driver_for(config.platform)
    assert cls is not None and driver is not None
    first = cls("a")
    first.load_text(config.text)
    shown = first.running_text()
    second = cls("b")
    second.load_text(shown)
    assert second.running_text() == shown
    # nothing of substance dropped: at least as many config lines as the file has
    # statements (comments, separators and `end`s aside)
    assert len(driver.lines(shown)) >= 0.9 * len(_statements(config))


def _statements(config: corpus.Config) -> list[str]:
    """The config's statements: Junos curly counts its `;`-ended lines (a `name {` only
    opens a level), every other form its lines that are not comments or block ends."""
    lines = [line.strip() for line in config.text.splitlines() if line.strip()]
    if config.platform == "juniper_junos" and not any(ln.startswith("set ") for ln in lines):
        return [line for line in lines if line.split("##")[0].rstrip().endswith(";")]
    skip = ("!", "#", "end", "}", "next", "exit", "quit", "/*", "*", "Building",
            "Current configuration", "version ")
    return [line for line in lines if not line.startswith(skip)]


def _rehearse(tmp_path: Path, capsys: pytest.CaptureFixture[str], *, resolved: bool
              ) -> tuple[int, dict[str, Any]]:
    inventory = corpus.inventory(tmp_path, resolved=resolved)
    assert main(["plan", str(inventory), "--allocate", "--out", os.devnull]) == 0
    capsys.readouterr()
    code = main(["rehearse", str(inventory), "--running", str(corpus.running(tmp_path)),
                 "--format", "json", "--workers", "16"])
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    return code, json.loads(out.out)


def test_with_its_settings_every_corpus_config_rehearses_clean(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = _rehearse(tmp_path, capsys, resolved=True)
    unclean = {name: d for name, d in report["devices"].items()
               if not d["ok"] or d["netorch_lines_removed"]}  # nothing here is netorch's
    assert unclean == {}
    assert code == 0 and sorted(report["devices"]) == sorted(c.name for c in CONFIGS)
    for device in report["devices"].values():
        assert device["netorch_lines_added"] > 0


def test_with_defaults_an_existing_bgp_process_is_a_conflict_and_nothing_is_sent(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = _rehearse(tmp_path, capsys, resolved=False)
    assert code == 1
    with_bgp = [c.name for c in CONFIGS if c.entry.get("bgp_asn")]
    assert with_bgp
    for name in with_bgp:
        device = report["devices"][name]
        assert any("asn:" in c["resolve"] for c in device["conflicts"]), (name, device)
        assert device["operator_lines_changed"] == 0 and device["netorch_lines_added"] == 0
