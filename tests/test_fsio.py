"""netorch.fsio: atomic writes inside their folder, no temp left behind, symlinks never
followed below the root, modes whatever the umask, bounded reads of regular files only."""

from __future__ import annotations

import os
import stat
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

import pytest

from netorch.errors import UserError
from netorch.fsio import (
    SECRET_DIR_MODE,
    ReadRefused,
    append_file,
    read_regular,
    write_file,
    write_output,
    write_under,
)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def _temps(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*.tmp"))


@pytest.fixture
def umask_077() -> Iterator[None]:
    old = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(old)


@pytest.fixture
def tiny_tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 16 KiB tmpfs (root only; skipped elsewhere): a real ENOSPC."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(mount)],
                          capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def test_write_then_unchanged_then_changed(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b.txt"
    assert write_file(target, "one") is True
    assert target.read_text() == "one"
    assert write_file(target, "one", mode=0o600) is False  # same content: only the mode
    assert _mode(target) == 0o600
    assert write_file(target, b"two") is True
    assert target.read_text() == "two"
    assert _temps(tmp_path) == []


def test_a_planted_symlink_at_the_file_is_replaced_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("precious")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "key.conf").symlink_to(victim)
    write_under(tmp_path / "out", PurePosixPath("key.conf"), "secret", mode=0o600)
    assert victim.read_text() == "precious"
    assert not (tmp_path / "out" / "key.conf").is_symlink()
    assert (tmp_path / "out" / "key.conf").read_text() == "secret"


def test_a_planted_symlink_at_a_folder_is_refused(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "site").symlink_to(elsewhere)
    with pytest.raises(UserError, match=r"out/site: cannot write into it: it is a symbolic"):
        write_under(tmp_path / "out", PurePosixPath("site/dev/key.conf"), "secret")
    assert list(elsewhere.iterdir()) == []


@pytest.mark.parametrize("relative", ["../x", "/etc/x", "a/../../x"])
def test_paths_leaving_the_root_are_refused(tmp_path: Path, relative: str) -> None:
    with pytest.raises(UserError, match="refused: not inside"):
        write_under(tmp_path, PurePosixPath(relative), "x")


def test_secret_folders_are_0700_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o000)
    try:
        (tmp_path / "out" / "site").mkdir(parents=True, mode=0o777)  # an existing folder
        write_under(tmp_path / "out", PurePosixPath("site/dev/key"), "k", mode=0o600,
                    dir_mode=SECRET_DIR_MODE)
        write_under(tmp_path / "out", PurePosixPath("site2/dev/plain"), "p")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "out" / "site") == 0o700  # tightened
    assert _mode(tmp_path / "out" / "site" / "dev") == 0o700
    assert _mode(tmp_path / "out" / "site" / "dev" / "key") == 0o600
    assert _mode(tmp_path / "out" / "site2" / "dev") == 0o755  # dir_mode, not 0777


def test_plain_folders_get_their_mode_under_a_strict_umask(tmp_path: Path,
                                                           umask_077: None) -> None:
    write_file(tmp_path / "new" / "f", "x")
    assert _mode(tmp_path / "new") == 0o755
    assert _mode(tmp_path / "new" / "f") == 0o644


@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"),
                                     KeyboardInterrupt()])
def test_a_failed_or_interrupted_write_leaves_the_old_file_and_no_temp(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: BaseException) -> None:
    target = tmp_path / "f"
    target.write_text("old")

    def broken_fsync(fd: int) -> None:
        raise failure

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises((UserError, KeyboardInterrupt)):
        write_file(target, "new")
    assert target.read_text() == "old"
    assert _temps(tmp_path) == []


def test_disk_full_is_a_clean_error_and_leaves_no_temp(tiny_tmpfs: Path) -> None:
    (tiny_tmpfs / "f").write_text("old")
    with pytest.raises(UserError, match="f: cannot write: no space left on the device"):
        write_file(tiny_tmpfs / "f", "x" * 100_000)
    assert (tiny_tmpfs / "f").read_text() == "old"
    assert sorted(p.name for p in tiny_tmpfs.iterdir()) == ["f"]


def test_dev_full_is_written_into_and_reports_enospc() -> None:
    with pytest.raises(UserError, match="/dev/full: cannot write: no space left"):
        write_output(Path("/dev/full"), "x")
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)  # never replaced by a file


def test_output_to_dev_null_keeps_the_device() -> None:
    write_output(Path("/dev/null"), "x")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_output_to_a_fifo_nobody_reads_is_an_error_not_a_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(UserError, match="a FIFO nothing reads"):
        write_output(fifo, "x")


@pytest.mark.parametrize("kind", ["fifo", "folder"])
def test_a_special_file_or_folder_at_the_target_is_refused(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "t"
    os.mkfifo(target) if kind == "fifo" else target.mkdir()
    with pytest.raises(UserError, match=r"t: cannot write: it is a (FIFO|folder)"):
        write_file(target, "x")
    assert (stat.S_ISFIFO if kind == "fifo" else stat.S_ISDIR)(target.lstat().st_mode)


def test_concurrent_writers_never_collide(tmp_path: Path) -> None:
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(50):
                write_under(tmp_path, PurePosixPath("site/dev/f"), f"{n}-{i}" * 100)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    text = (tmp_path / "site" / "dev" / "f").read_text()
    unit = text[:len(text) // 100]
    assert text == unit * 100  # one writer's whole content, never a mix
    assert _temps(tmp_path) == []


def test_append_adds_records_and_refuses_a_symlink(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "audit.jsonl"
    append_file(log, "one\n")
    append_file(log, "two\n")
    assert log.read_text() == "one\ntwo\n"
    assert _mode(log) == 0o640
    victim = tmp_path / "victim"
    victim.write_text("")
    (tmp_path / "link.jsonl").symlink_to(victim)
    with pytest.raises(UserError, match="it is a symbolic link"):
        append_file(tmp_path / "link.jsonl", "x\n")
    assert victim.read_text() == ""


def test_read_regular_reads_a_file_within_its_limit(tmp_path: Path) -> None:
    (tmp_path / "s").write_bytes(b"abc")
    assert read_regular(tmp_path / "s", limit=3, what="secret file") == b"abc"
    with pytest.raises(ReadRefused, match="the secret file is too large"):
        read_regular(tmp_path / "s", limit=2, what="secret file")


def _fifo(p: Path) -> None:
    os.mkfifo(p)


def _loop(p: Path) -> None:
    p.symlink_to(p.name)


def _dangling(p: Path) -> None:
    p.symlink_to("nowhere")


@pytest.mark.parametrize(("make", "reason"), [
    (_fifo, "must be a regular file, not a FIFO"),
    (Path.mkdir, "must be a regular file, not a folder"),
    (_loop, "symlink loop"),
    (_dangling, "a dangling symbolic link"),
], ids=["fifo", "folder", "loop", "dangling"])
def test_read_regular_refuses_what_is_not_a_file_without_hanging(
        tmp_path: Path, make: object, reason: str) -> None:
    path = tmp_path / "x"
    make(path)  # type: ignore[operator]
    with pytest.raises(ReadRefused, match=reason) as info:
        read_regular(path, limit=10, what="state file")
    assert info.value.path == path


def test_read_regular_refuses_dev_zero() -> None:
    with pytest.raises(ReadRefused, match="not a device"):
        read_regular(Path("/dev/zero"), limit=4096, what="secret file")
