"""`netorch render`: keys 0600, --redact, missing secret, determinism, no rewrites, --limit.

Rendered from the PSK fixture, limited to its linux_strongswan sites, so the test
does not depend on other platforms' templates.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from netorch import api
from netorch.cli import main
from netorch.keys import REDACTED, SECRET_ENV, Secret

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "psk-mesh.yaml"
SECRET = "render-tests-throwaway-master-secret"
LIMIT = ["--limit", "mesh-linux", "--limit", "mn-r1"]


def _render(out: Path, *extra: str) -> int:
    return main(["render", str(FIXTURE), "--out", str(out), *LIMIT, *extra])


def _files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes()
            for p in sorted(out.rglob("*")) if p.is_file()}


def _keys() -> set[str]:
    plan = api.plan(api.load(FIXTURE))
    return {Secret(SECRET.encode()).derive(plan.fabric.name, t.key_ref) for t in plan.tunnels
            if t.key_ref}


@pytest.fixture
def secret_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)


def test_files_with_keys_are_0600_others_0644(tmp_path: Path, secret_env: None) -> None:
    assert _render(tmp_path) == 0
    folder = tmp_path / "mesh-linux" / "ml-r1"
    assert stat.S_IMODE((folder / "swanctl.conf").stat().st_mode) == 0o600
    assert any(k in (folder / "swanctl.conf").read_text() for k in _keys())
    for name in ("frr.conf", "interfaces.sh"):
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o644


def test_redact_writes_no_key(tmp_path: Path, secret_env: None) -> None:
    assert _render(tmp_path, "--redact") == 0
    texts = {name: data.decode() for name, data in _files(tmp_path).items()}
    assert REDACTED in texts["mesh-linux/ml-r1/swanctl.conf"]
    assert SECRET not in "".join(texts.values())
    leaked = [(name, k[:8]) for name, text in texts.items() for k in _keys() if k in text]
    assert leaked == []


def test_psk_fabric_without_secret_or_redact_is_a_clear_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    assert _render(tmp_path / "out") == 1
    err = capsys.readouterr().err
    assert SECRET_ENV in err and "--redact" in err
    assert not (tmp_path / "out").exists()


def test_render_is_deterministic(tmp_path: Path, secret_env: None) -> None:
    assert _render(tmp_path / "a") == 0
    assert _render(tmp_path / "b") == 0
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    assert len(_files(tmp_path / "a")) == 9


def test_unchanged_files_are_not_rewritten(tmp_path: Path, secret_env: None,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert _render(tmp_path) == 0
    old = 1_000_000_000
    paths = [p for p in tmp_path.rglob("*") if p.is_file()]
    for p in paths:
        os.utime(p, ns=(old, old))
    capsys.readouterr()
    assert _render(tmp_path) == 0
    assert "0 files written, 9 unchanged" in capsys.readouterr().out
    assert {p.stat().st_mtime_ns for p in paths} == {old}


def test_limit_renders_only_the_named_sites_and_devices(tmp_path: Path,
                                                        secret_env: None) -> None:
    assert _render(tmp_path) == 0
    assert sorted({n.rsplit("/", 1)[0] for n in _files(tmp_path)}) == [
        "mesh-linux/ml-r1", "mesh-linux/ml-r2", "mesh-nat/mn-r1"]


def test_limit_unknown_name_is_an_error(tmp_path: Path, secret_env: None,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["render", str(FIXTURE), "--out", str(tmp_path), "--limit", "mesh-linx"])
    assert code == 2  # wrong usage, as in every command with --limit (netorch.limit)
    assert "mesh-linx: no such site or device" in capsys.readouterr().err
