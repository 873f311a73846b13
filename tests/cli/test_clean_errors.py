"""Every problem at the OS boundary is one clean line and exit 1 (2 for usage): output
folders and files, special secret files, render's key files and folders, Ctrl-C."""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from netorch.cli import main
from netorch.keys import SECRET_ENV

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixtures" / "psk-mesh.yaml"
EXAMPLE = REPO / "inventories" / "eastern-region"
SECRET = "clean-errors-throwaway-master-secret"
LINUX = ["--limit", "mesh-linux"]


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    code = main(list(args))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return code, captured.err.splitlines()


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)


def _mount_tmpfs(where: Path, options: str) -> None:
    where.mkdir(exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)],
                          capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")


def _tmpfs(where: Path, size: str) -> Iterator[Path]:
    _mount_tmpfs(where, f"size={size}")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=True)


@pytest.fixture
def tiny_tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 16 KiB tmpfs: a real ENOSPC."""
    yield from _tmpfs(tmp_path / "tiny", "16k")


@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[Path]:
    """A folder read-only even for root: a tmpfs, remounted read-only by the test."""
    yield from _tmpfs(tmp_path / "ro", "1m")


def _remount_ro(mount: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)


# --- --out of validate, plan and report -------------------------------------------------

OUT_COMMANDS = [["validate", str(FIXTURE)], ["plan", str(FIXTURE)],
                ["report", str(FIXTURE), "--format", "md"]]
OUT_IDS = ["validate", "plan", "report"]


@pytest.mark.parametrize("command", OUT_COMMANDS, ids=OUT_IDS)
def test_out_under_a_file_is_one_clean_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    (tmp_path / "file").write_text("")
    code, err = _run(capsys, *command, "--out", str(tmp_path / "file" / "x"))
    assert (code, err) == (1, [f"netorch: error: {(tmp_path / 'file').as_posix()}: cannot "
                               "write into it: not a folder"])


@pytest.mark.parametrize("command", OUT_COMMANDS, ids=OUT_IDS)
def test_out_that_is_a_folder_is_one_clean_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    code, err = _run(capsys, *command, "--out", str(tmp_path))
    assert code == 1
    assert err == [f"netorch: error: {tmp_path.as_posix()}: cannot write: it is a folder, not "
                   "a file (netorch replaces only regular files)"]


@pytest.mark.parametrize("command", OUT_COMMANDS, ids=OUT_IDS)
def test_out_on_a_full_device_is_one_clean_error(
        capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    code, err = _run(capsys, *command, "--out", "/dev/full")
    assert (code, err) == (1, ["netorch: error: /dev/full: cannot write: no space left on the "
                               "device"])
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_out_on_a_full_filesystem_leaves_no_temp(
        tiny_tmpfs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _run(capsys, "report", str(EXAMPLE), "--format", "html", "--out",
                     str(tiny_tmpfs / "r.html"))
    assert (code, err) == (1, [f"netorch: error: {(tiny_tmpfs / 'r.html').as_posix()}: cannot "
                               "write: no space left on the device"])
    assert list(tiny_tmpfs.iterdir()) == []


def test_out_on_a_read_only_filesystem_is_one_clean_error(
        read_only: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _remount_ro(read_only)
    code, err = _run(capsys, "validate", str(FIXTURE), "--out", str(read_only / "v.txt"))
    assert (code, err) == (1, [f"netorch: error: {(read_only / 'v.txt').as_posix()}: cannot "
                               "write: Read-only file system"])


def test_plan_allocating_in_a_read_only_inventory_is_one_clean_error(
        read_only: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(FIXTURE, read_only / "inv.yaml")
    _remount_ro(read_only)
    code, err = _run(capsys, "plan", str(read_only / "inv.yaml"), "--allocate")
    assert code == 1
    assert len(err) == 1 and err[0].startswith(f"netorch: error: {read_only.as_posix()}/")
    assert "Read-only file system" in err[0]


# --- render's tree ----------------------------------------------------------------------

def test_render_out_that_is_a_file_is_one_clean_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "out").write_text("")
    code, err = _run(capsys, "render", str(FIXTURE), *LINUX, "--out", str(tmp_path / "out"))
    assert (code, err) == (1, [f"netorch: error: {(tmp_path / 'out').as_posix()}: cannot "
                               "write into it: not a folder"])


def test_render_on_a_full_filesystem_leaves_no_temp(
        tiny_tmpfs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _run(capsys, "render", str(FIXTURE), "--out", str(tiny_tmpfs))
    assert code == 1
    assert len(err) == 1 and err[0].endswith(": cannot write: no space left on the device")
    assert [p for p in tiny_tmpfs.rglob("*") if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize("umask", [0o000, 0o022, 0o077])
def test_render_keys_are_0600_in_0700_folders_whatever_the_umask(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], umask: int) -> None:
    old = os.umask(umask)
    try:
        code, _ = _run(capsys, "render", str(FIXTURE), *LINUX, "--out", str(tmp_path / "o"))
    finally:
        os.umask(old)
    assert code == 0
    device = tmp_path / "o" / "mesh-linux" / "ml-r1"
    modes = {p: stat.S_IMODE(p.stat().st_mode)
             for p in (tmp_path / "o", device.parent, device, device / "swanctl.conf",
                       device / "frr.conf")}
    assert list(modes.values()) == [0o700, 0o700, 0o700, 0o600, 0o644]


def test_render_redacted_folders_are_0755(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    old = os.umask(0o077)
    try:
        assert _run(capsys, "render", str(FIXTURE), *LINUX, "--redact", "--out",
                    str(tmp_path / "o"))[0] == 0
    finally:
        os.umask(old)
    device = tmp_path / "o" / "mesh-linux" / "ml-r1"
    assert stat.S_IMODE(device.stat().st_mode) == 0o755
    assert stat.S_IMODE((device / "swanctl.conf").stat().st_mode) == 0o644


def test_a_planted_symlink_never_redirects_keys(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    loot = tmp_path / "loot"
    loot.mkdir()
    (out / "mesh-linux" / "ml-r1").mkdir(parents=True)
    (out / "mesh-linux" / "ml-r1" / "swanctl.conf").symlink_to(loot / "stolen.conf")
    (out / "mesh-linux" / "ml-r2").symlink_to(loot, target_is_directory=True)
    code, err = _run(capsys, "render", str(FIXTURE), *LINUX, "--out", str(out))
    assert code == 1
    assert err == [f"netorch: error: {(out / 'mesh-linux' / 'ml-r2').as_posix()}: cannot "
                   "write into it: it is a symbolic link (netorch never writes through one)"]
    assert list(loot.iterdir()) == []
    written = out / "mesh-linux" / "ml-r1" / "swanctl.conf"
    assert not written.is_symlink() and SECRET not in written.read_text()


def test_two_concurrent_renders_do_not_collide(tmp_path: Path) -> None:
    env = {**os.environ, SECRET_ENV: SECRET}
    command = [sys.executable, "-m", "netorch.cli", "render", str(FIXTURE), "--out",
               str(tmp_path / "out")]
    procs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(4)]
    results = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in procs]
    for p in procs:
        for stream in (p.stdout, p.stderr):
            if stream:
                stream.close()
    assert results == [(0, "")] * 4
    assert [p for p in (tmp_path / "out").rglob("*") if p.name.endswith(".tmp")] == []


# --- usage errors (exit 2) ----------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ["render", str(FIXTURE), "--templates", "/no/such/folder"],
    ["render", str(FIXTURE), "--templates", str(FIXTURE)],
    ["lab", "up", str(FIXTURE), "--templates", "/no/such/folder"],
    ["lab", "up", str(FIXTURE), "--template-dir", "/no/such/folder"],
    ["render", str(FIXTURE), "--secret-file", "/no/such/file"],
    ["diff", str(FIXTURE), "--secret-file", "/no/such/file"],
    ["deploy", str(FIXTURE), "--secret-file", "/no/such/file"],
    ["lab", "up", str(FIXTURE), "--secret-file", "/no/such/file"],
    ["render", str(FIXTURE), "--secret-file", "/tmp"],
    ["render", str(FIXTURE), "--dataplane", "wireguard"],
], ids=["render-templates-missing", "render-templates-a-file", "lab-templates-missing",
        "lab-template-dir-missing", "render-secret-missing", "diff-secret-missing",
        "deploy-secret-missing", "lab-secret-missing", "secret-file-a-folder",
        "dataplane-invalid"])
def test_bad_paths_and_choices_are_usage_errors(
        capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    code = main(args)
    captured = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in captured.err
    assert "Error: Invalid value for" in captured.err


# --- special secret files (exit 1) ------------------------------------------------------

def test_secret_file_dev_zero_is_one_clean_error(capsys: pytest.CaptureFixture[str],
                                                 tmp_path: Path) -> None:
    code, err = _run(capsys, "render", str(FIXTURE), *LINUX, "--out", str(tmp_path / "o"),
                     "--secret-file", "/dev/zero")
    assert (code, err) == (1, ["netorch: error: /dev/zero: the secret file must be a regular "
                               "file or a pipe, not a device"])


def test_secret_file_fifo_is_one_clean_error_not_a_hang(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    code, err = _run(capsys, "render", str(FIXTURE), *LINUX, "--out", str(tmp_path / "o"),
                     "--secret-file", str(tmp_path / "fifo"))
    assert code == 1 and len(err) == 1 and "the master secret is too short (0 bytes" in err[0]


def test_secret_file_from_a_pipe_is_read(capsys: pytest.CaptureFixture[str],
                                         tmp_path: Path) -> None:
    """`--secret-file <(pass show fabric)` keeps the secret off the disk."""
    read_end, write_end = os.pipe()
    os.write(write_end, b"pipe-secret-0123456789abcdef\n")
    os.close(write_end)
    try:
        code, err = _run(capsys, "render", str(FIXTURE), *LINUX, "--out", str(tmp_path / "o"),
                         "--secret-file", f"/dev/fd/{read_end}")
    finally:
        os.close(read_end)
    assert (code, err) == (0, [])


def test_oversize_secret_file_is_one_clean_error(capsys: pytest.CaptureFixture[str],
                                                 tmp_path: Path) -> None:
    big = tmp_path / "big"
    big.write_bytes(os.urandom(3000).hex().encode())
    big.chmod(0o600)
    code, err = _run(capsys, "render", str(FIXTURE), *LINUX, "--out", str(tmp_path / "o"),
                     "--secret-file", str(big))
    assert (code, err) == (1, [f"netorch: error: {big.as_posix()}: the secret file is too "
                               "large (6000 bytes, at most 4096)"])


# --- any OSError left over: named, one line -------------------------------------------

def test_a_leftover_os_error_names_its_path(monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    from netorch import api

    def refuse(path: object) -> object:
        raise PermissionError(13, "Permission denied", "/some/where.yaml")

    monkeypatch.setattr(api, "validate", refuse)
    code, err = _run(capsys, "validate", str(FIXTURE))
    assert (code, err) == (1, ["netorch: error: /some/where.yaml: Permission denied"])


def test_programming_errors_are_not_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    from netorch import api

    def broken(path: object) -> object:
        raise ZeroDivisionError

    monkeypatch.setattr(api, "validate", broken)
    with pytest.raises(ZeroDivisionError):
        main(["validate", str(FIXTURE)])


# --- Ctrl-C ---------------------------------------------------------------------------

def _sigint_default() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # a background shell may have ignored it


def test_sigint_is_one_line_and_exit_130(tmp_path: Path) -> None:
    """Interrupted while blocked writing a report into a pipe no one empties."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # holds it open, never reads
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "netorch.cli", "report", str(EXAMPLE), "--format", "html",
             "--out", str(fifo)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            preexec_fn=_sigint_default)  # noqa: PLW1509 - the test runs no threads
        _wait_until_blocked(proc)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        os.close(reader)
    assert proc.returncode == 130
    assert err.splitlines() == ["netorch: interrupted"]
    assert "Traceback" not in out + err


def _wait_for_library(proc: subprocess.Popen[str], name: str, seconds: float = 30) -> None:
    """Until the process has loaded a shared library (`name` in its memory maps)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if name in Path(f"/proc/{proc.pid}/maps").read_text():
                return
        except OSError:
            pass
        time.sleep(0.005)


def _wait_until_blocked(proc: subprocess.Popen[str], seconds: float = 30) -> None:
    """Until the process sleeps in a write (its pipe full), or gives up."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        wchan = Path(f"/proc/{proc.pid}/wchan")
        if wchan.exists() and "pipe_write" in wchan.read_text():
            return
        time.sleep(0.05)
    pytest.fail("the report never blocked on the FIFO")


@pytest.mark.parametrize("delay", [0.0, 0.1, 0.2, 0.3, 0.5, 0.8])
def test_sigint_during_render_leaves_no_temp_file(tmp_path: Path, delay: float) -> None:
    """At any moment once netorch's own imports began (before: Python's start-up)."""
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "netorch.cli", "render", str(FIXTURE), "--out", str(out)],
        env={**os.environ, SECRET_ENV: SECRET}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, preexec_fn=_sigint_default)  # noqa: PLW1509 - no threads here
    _wait_for_library(proc, "_pydantic_core")
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert "Traceback" not in err, err
    # 0: done before the signal; -SIGINT: done, and the signal came while Python shut down
    assert proc.returncode in (0, 130, -signal.SIGINT), (proc.returncode, err)
    if proc.returncode == 130:
        assert err.splitlines() == ["netorch: interrupted"], err
    leftovers = [p for p in out.rglob("*") if p.name.endswith(".tmp")] if out.exists() else []
    assert leftovers == []
