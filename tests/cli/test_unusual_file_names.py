"""File names and environment values that are not UTF-8, or hold URI syntax: every output
shows them escaped, none crashes; SARIF URIs are percent-encoded; the master secret from
the environment is taken as the bytes it is."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from netorch.cli import main
from netorch.keys import SECRET_ENV, Secret, load_secret
from netorch.report.provenance import hash_inputs

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
EXAMPLE = Path(__file__).resolve().parents[2] / "inventories" / "eastern-region"
NOT_UTF8 = os.fsdecode(b"x\xff.yaml")  # 'x\udcff.yaml': what os.listdir gives for it
SHOWN = "x\\udcff.yaml"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    # Writable as UTF-8: what a terminal or a CI log would do with it.
    (captured.out + captured.err).encode("utf-8")
    return code, captured.out, captured.err


@pytest.fixture
def single(tmp_path: Path) -> Path:
    """The psk-mesh fixture as a single file whose name is not UTF-8 (with its lock)."""
    path = tmp_path / NOT_UTF8
    shutil.copy(FIXTURES / "psk-mesh.yaml", path)
    shutil.copy(FIXTURES / "psk-mesh.allocations.yaml",
                tmp_path / os.fsdecode(b"x\xff.allocations.yaml"))
    return path


@pytest.mark.parametrize("fmt", ["md", "json", "html", "dot", "mermaid"])
def test_report_of_an_inventory_whose_name_is_not_utf8(
        single: Path, capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    code, out, _ = _run(capsys, "report", str(single), "--format", fmt)
    assert code == 0
    if fmt == "json":
        files = json.loads(out)["provenance"]["files"]
        assert sorted(f["path"] for f in files) == ["x\\udcff.allocations.yaml", SHOWN]


def test_the_inputs_digest_hashes_names_as_their_bytes(single: Path) -> None:
    """sha256 of `<sha256>  <name>` lines, the name as the bytes on disk (sha256sum's)."""
    digest, files = hash_inputs(single)
    lock = single.parent / os.fsdecode(b"x\xff.allocations.yaml")
    listing = b"".join(hashlib.sha256(p.read_bytes()).hexdigest().encode() + b"  "
                       + os.fsencode(p.name) + b"\n" for p in sorted([lock, single]))
    assert digest == hashlib.sha256(listing).hexdigest()
    assert [f.path for f in files] == ["x\\udcff.allocations.yaml", SHOWN]


@pytest.mark.parametrize("fmt", ["text", "json", "junit", "sarif"])
def test_validate_shows_a_site_file_name_that_is_not_utf8_escaped(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    inv = tmp_path / "inv"
    shutil.copytree(EXAMPLE, inv)
    (inv / "sites" / "beds-hq.yaml").rename(inv / "sites" / NOT_UTF8)
    code, out, _ = _run(capsys, "validate", str(inv), "--format", fmt)
    assert code == 1
    if fmt == "text":
        assert f"sites/{SHOWN}:2:7: error: site 'beds-hq' is in file {SHOWN}" in out
    elif fmt == "junit":
        names = [c.get("name") for c in ET.fromstring(out).iter("testcase")]
        assert f"{inv.as_posix()}/sites/{SHOWN}" in names
    else:
        doc = json.loads(out)
        assert doc  # parsed; the name is a JSON escape of its byte
    if fmt == "sarif":
        uris = [loc["physicalLocation"]["artifactLocation"]["uri"]
                for result in json.loads(out)["runs"][0]["results"]
                for loc in result["locations"]]
        assert any(u.endswith("/sites/x%FF.yaml") for u in uris)


def test_plan_and_render_of_an_inventory_whose_name_is_not_utf8(
        single: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(capsys, "plan", str(single))[0] == 0
    assert _run(capsys, "plan", str(single), "--format", "json")[0] == 0
    assert _run(capsys, "render", str(single), "--redact", "--out", str(tmp_path / "o"))[0] == 0


# --------------------------------------------------------------------------- SARIF URIs


def test_sarif_uris_are_percent_encoded(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    inv = tmp_path / "my inv#1"
    shutil.copytree(EXAMPLE, inv)
    (inv / "sites" / "beds-hq.yaml").rename(inv / "sites" / "a b#c%41?d.yaml")
    monkeypatch.chdir(tmp_path)
    code, out, _ = _run(capsys, "validate", "my inv#1", "--format", "sarif")
    _, junit, _ = _run(capsys, "validate", "my inv#1", "--format", "junit")
    _, text, _ = _run(capsys, "validate", "my inv#1", "--format", "text")
    assert code == 1
    [result] = [r for r in json.loads(out)["runs"][0]["results"] if r["level"] == "error"]
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "my%20inv%231/sites/a%20b%23c%2541%3Fd.yaml"
    # the other formats show the real name
    assert "my inv#1/sites/a b#c%41?d.yaml" in {c.get("name") for c in
                                                 ET.fromstring(junit).iter("testcase")}
    assert text.startswith("my inv#1/sites/a b#c%41?d.yaml:2:7: error: ")


# --------------------------------------------------------------------------- the secret

RAW_SECRET = b"\xff\xfe\x80k7Qw-p2Zs9xLm4Rt"


def test_a_secret_in_the_environment_that_is_not_utf8_is_used_as_bytes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(os.environb, SECRET_ENV.encode(), RAW_SECRET)
    secret = load_secret()
    assert secret is not None
    assert secret.derive("f", "psk:a--b") == Secret(RAW_SECRET).derive("f", "psk:a--b")


def test_a_utf8_secret_in_the_environment_derives_the_same_keys_as_before(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, "caf\u00e9-k7Qw-p2Zs9xLm4Rt")
    secret = load_secret()
    assert secret is not None
    assert secret.derive("f", "k") == Secret("caf\u00e9-k7Qw-p2Zs9xLm4Rt".encode()).derive("f",
                                                                                        "k")


def test_render_with_a_secret_that_is_not_utf8(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(os.environb, SECRET_ENV.encode(), RAW_SECRET)
    code, out, err = _run(capsys, "render", str(FIXTURES / "psk-mesh.yaml"), "--out",
                          str(tmp_path / "out"))
    assert code == 0, err
    assert "k7Qw" not in out + err
    for path in (tmp_path / "out").rglob("*"):
        assert not path.is_file() or b"k7Qw-p2Zs" not in path.read_bytes()


def test_a_weak_secret_that_is_not_utf8_is_refused_unquoted(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        tmp_path: Path) -> None:
    monkeypatch.setitem(os.environb, SECRET_ENV.encode(), b"\xff" * 20)
    code, _, err = _run(capsys, "render", str(FIXTURES / "psk-mesh.yaml"), "--out",
                        str(tmp_path / "out"))
    assert code == 1
    assert "one character repeated" in err and "\\xff" not in err and "udcff" not in err
