"""The master secret: weak ones refused (short, blank, one character, a few repeated),
a --secret-file others can read warned about (an error with --strict), no secret value
in any message."""

from __future__ import annotations

from pathlib import Path

import pytest

from netorch.cli import main
from netorch.errors import UserError
from netorch.keys import SECRET_ENV, Secret, load_secret, weakness

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "psk-mesh.yaml"
GOOD = b"k7Qw-p2Zs9xLm4Rt"  # 16 bytes, 16 different characters
LIMIT = ["--limit", "mesh-linux"]

WEAK = {
    "short": (b"Zq8-wL3m", "too short (8 bytes)"),
    "empty": (b"", "too short (0 bytes)"),
    "spaces": (b" " * 20, "only whitespace"),
    "whitespace-mix": (b" \t \n" * 6, "only whitespace"),
    "one-character": (b"Q" * 32, "one character repeated"),
    "two-characters": (b"ab" * 16, "too repetitive (only 2 different characters"),
    "binary-digits": (b"0110" * 4 + b"1001" * 4, "too repetitive (only 2"),
    "pattern": (b"abcdabcdabcdabcd", "too repetitive (only 4 different characters"),
}


@pytest.mark.parametrize("case", sorted(WEAK))
def test_weak_secrets_are_refused_and_never_quoted(case: str) -> None:
    value, reason = WEAK[case]
    problem = weakness(value)
    assert problem is not None and problem.startswith(reason)
    with pytest.raises(UserError, match="the master secret is") as info:
        Secret(value)
    if value.strip():
        assert value.decode() not in str(info.value)


@pytest.mark.parametrize("value", [GOOD, b"correct horse battery staple",
                                   b"0123456789abcdef", b"9f86d081884c7d659a2feaa0c55ad015"])
def test_reasonable_secrets_are_accepted(value: bytes) -> None:
    assert weakness(value) is None
    Secret(value)


def test_env_secret_of_blanks_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, " " * 24)
    with pytest.raises(UserError, match="only whitespace"):
        load_secret()


def test_secret_file_of_blanks_says_only_whitespace(tmp_path: Path) -> None:
    path = tmp_path / "s"
    path.write_text("   \n\n  \n")
    with pytest.raises(UserError, match="only whitespace"):
        load_secret(path)


def test_secret_file_value_is_stripped(tmp_path: Path) -> None:
    path = tmp_path / "s"
    path.write_bytes(GOOD + b"\n")
    secret = load_secret(path)
    assert secret is not None and secret.derive("f", "k") == Secret(GOOD).derive("f", "k")


def _render(capsys: pytest.CaptureFixture[str], out: Path, *extra: str
            ) -> tuple[int, str, str]:
    code = main(["render", str(FIXTURE), "--out", str(out), *LIMIT, *extra])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return code, captured.out, captured.err


@pytest.fixture
def no_env_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)


def _secret_file(tmp_path: Path, data: bytes, mode: int) -> Path:
    path = tmp_path / "master.key"
    path.write_bytes(data)
    path.chmod(mode)
    return path


def test_weak_secret_file_is_one_clean_error(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            no_env_secret: None) -> None:
    path = _secret_file(tmp_path, b"ab" * 16, 0o600)
    code, _, err = _render(capsys, tmp_path / "out", "--secret-file", str(path))
    assert code == 1
    assert err.splitlines() == [
        "netorch: error: the master secret is too repetitive (only 2 different characters, "
        "at least 5 needed): use at least 16 random bytes (e.g. `openssl rand -base64 32`)"]
    assert "abab" not in err
    assert not (tmp_path / "out").exists()


def test_weak_env_secret_is_one_clean_error(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, "z" * 40)
    code, _, err = _render(capsys, tmp_path / "out")
    assert code == 1
    assert err.splitlines() == [
        "netorch: error: the master secret is one character repeated: use at least 16 random "
        "bytes (e.g. `openssl rand -base64 32`)"]


def test_secret_file_readable_by_others_is_a_warning(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], no_env_secret: None) -> None:
    path = _secret_file(tmp_path, GOOD, 0o644)
    code, _, err = _render(capsys, tmp_path / "out", "--secret-file", str(path))
    assert code == 0
    assert err.splitlines() == [
        f"netorch: warning: {path.as_posix()}: the secret file is accessible to group or "
        f"others (mode 0644): `chmod 600 {path.as_posix()}`"]
    assert GOOD.decode() not in err


def test_secret_file_readable_by_group_is_an_error_with_strict(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], no_env_secret: None) -> None:
    path = _secret_file(tmp_path, GOOD, 0o640)
    code, _, err = _render(capsys, tmp_path / "out", "--secret-file", str(path), "--strict")
    assert code == 1
    assert err.splitlines() == [
        f"netorch: error: {path.as_posix()}: the secret file is accessible to group or others "
        f"(mode 0640): `chmod 600 {path.as_posix()}` (refused with --strict)"]
    assert not (tmp_path / "out").exists()


def test_private_secret_file_is_silent_even_with_strict(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], no_env_secret: None) -> None:
    path = _secret_file(tmp_path, GOOD, 0o600)
    code, _, err = _render(capsys, tmp_path / "out", "--secret-file", str(path), "--strict")
    assert (code, err) == (0, "")


@pytest.mark.parametrize("command", ["diff", "deploy"])
def test_strict_refuses_an_exposed_secret_file_before_any_device_is_touched(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], no_env_secret: None,
        command: str) -> None:
    path = _secret_file(tmp_path, GOOD, 0o604)
    code = main([command, str(FIXTURE), "--secret-file", str(path), "--strict"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.splitlines()[-1].endswith("(refused with --strict)")
    assert GOOD.decode() not in err
