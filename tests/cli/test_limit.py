"""`--limit GLOB` means the same in every command: globs on device or site names, and a
glob that matches nothing is wrong usage (exit 2) naming it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from netorch.cli import main
from netorch.deploy import build_targets
from netorch.errors import UsageError
from netorch.keys import SECRET_ENV
from netorch.limit import limit_devices

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixtures" / "psk-mesh.yaml"


@dataclass(frozen=True)
class Dev:
    name: str
    site: str
    platform: str = "linux_strongswan"
    mgmt: str = "127.0.0.1:2222"
    hub: bool = False


DEVICES = [Dev("ess-hq-r1", "essex-hq"), Dev("ess-hq-r2", "essex-hq"),
           Dev("nfk-hq-r1", "norfolk-hq"), Dev("dcn-r1", "dc-north")]


@pytest.mark.parametrize(("patterns", "chosen"), [
    (["essex-*"], ["ess-hq-r1", "ess-hq-r2"]),
    (["*-r1"], ["ess-hq-r1", "nfk-hq-r1", "dcn-r1"]),
    (["dc-north", "ess-hq-r2"], ["ess-hq-r2", "dcn-r1"]),
    (["ess-hq-r[2-9]"], ["ess-hq-r2"]),
    ([], ["ess-hq-r1", "ess-hq-r2", "nfk-hq-r1", "dcn-r1"]),
])
def test_globs_match_device_or_site_names(patterns: list[str], chosen: list[str]) -> None:
    assert [d.name for d in limit_devices(DEVICES, patterns)] == chosen


def test_a_glob_that_matches_nothing_is_named_with_the_nearest_name() -> None:
    with pytest.raises(UsageError, match=r"--limit essex-hx: no such site or device "
                                         r"\(did you mean 'essex-hq'\?\)"):
        limit_devices(DEVICES, ["essex-*", "essex-hx"])


def test_deploy_targets_use_the_same_matcher() -> None:
    names = [t.name for t in build_targets(DEVICES, {}, ("essex-*",))]
    assert names == ["ess-hq-r1", "ess-hq-r2"]
    with pytest.raises(UsageError, match="--limit nope"):
        build_targets(DEVICES, {}, ("nope",))


def test_render_takes_globs_like_deploy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv(SECRET_ENV, "limit-test-throwaway-master-secret")
    code = main(["render", str(FIXTURE), "--out", str(tmp_path), "--limit", "mesh-lin*"])
    assert code == 0, capsys.readouterr().err
    assert sorted(p.name for p in (tmp_path / "mesh-linux").iterdir()) == ["ml-r1", "ml-r2"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mesh-linux"]
    assert main(["render", str(FIXTURE), "--out", str(tmp_path), "--limit", "zz*"]) == 2
    assert "netorch: error: --limit zz*: no such site or device" in capsys.readouterr().err
