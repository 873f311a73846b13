"""Safe file I/O at the OS boundary: every write netorch makes, and reads of files a
user names (secret, state), go through here.

Writes are atomic and stay inside their target folder: a temp file is created
exclusively (`O_CREAT | O_EXCL | O_NOFOLLOW`, unique name) *in* the target folder,
written, fsynced and renamed over the target, so a planted symlink is replaced, not
followed, two concurrent writers never share a temp file, and an interrupted write
(error, disk full, Ctrl-C) leaves the old file and no temp file behind. Folders below
the root that netorch creates are opened without following symlinks. Every `OSError`
becomes a `UserError` naming the path: never a traceback.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from netorch.errors import UserError

DIR_MODE = 0o755
SECRET_DIR_MODE = 0o700
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def os_error(path: Path | str, exc: OSError, doing: str = "cannot write") -> UserError:
    """A user-facing error for an OS failure at `path` (no traceback, no errno soup)."""
    if exc.errno == errno.ELOOP:
        reason = "it is a symbolic link (refused: netorch never writes through one)"
    elif exc.errno == errno.ENOSPC:
        reason = "no space left on the device"
    else:
        reason = exc.strerror or str(exc)
    return UserError(f"{Path(path).as_posix()}: {doing}: {reason}")


def write_file(path: Path, data: bytes | str, *, mode: int = 0o644,
               dir_mode: int = DIR_MODE) -> bool:
    """Atomically write `path` (parents created with `dir_mode`). Returns False if the
    file already held exactly `data` (then only its mode is set), True if written."""
    return write_under(path.parent, PurePosixPath(path.name), data, mode=mode,
                       dir_mode=dir_mode, create_root=True)


def write_under(root: Path, relative: PurePosixPath, data: bytes | str, *, mode: int = 0o644,
                dir_mode: int = DIR_MODE, create_root: bool = True) -> bool:
    """Atomically write `root/relative`. `root` may itself be a symlink (the user named
    it); every folder below it is opened with O_NOFOLLOW and created with `dir_mode`
    (applied whatever the umask). Returns False if the content was already `data`."""
    raw = data.encode() if isinstance(data, str) else data
    target = root / relative
    if relative.is_absolute() or ".." in relative.parts or not relative.name:
        raise UserError(f"{target.as_posix()}: refused: not inside {root.as_posix()}")
    try:
        with _open_folder(root, relative.parent.parts, dir_mode, create_root) as dfd:
            if _same_content(dfd, relative.name, raw):
                os.chmod(relative.name, mode, dir_fd=dfd)
                return False
            _replace(dfd, relative.name, raw, mode)
            return True
    except OSError as exc:
        raise os_error(target, exc) from None


@contextlib.contextmanager
def _open_folder(root: Path, parts: tuple[str, ...], dir_mode: int, create_root: bool
                 ) -> Iterator[int]:
    if create_root and not root.exists():
        root.mkdir(parents=True, mode=dir_mode)
        if dir_mode == SECRET_DIR_MODE:
            root.chmod(dir_mode)
    fd = os.open(root, os.O_RDONLY | _DIRECTORY | _CLOEXEC)
    try:
        for part in parts:
            child = _descend(fd, part, dir_mode)
            os.close(fd)
            fd = child
        yield fd
    finally:
        os.close(fd)


def _descend(parent: int, name: str, dir_mode: int) -> int:
    """Open (creating if needed) folder `name` in `parent`, never through a symlink."""
    created = False
    try:
        os.mkdir(name, dir_mode, dir_fd=parent)
        created = True
    except FileExistsError:
        pass
    try:
        child = os.open(name, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC, dir_fd=parent)
    except NotADirectoryError:
        if stat.S_ISLNK(os.stat(name, dir_fd=parent, follow_symlinks=False).st_mode):
            raise OSError(errno.ELOOP, "symbolic link") from None
        raise
    if created or dir_mode == SECRET_DIR_MODE:
        os.fchmod(child, dir_mode)
    return child


def _same_content(dfd: int, name: str, data: bytes) -> bool:
    try:
        fd = os.open(name, os.O_RDONLY | _NOFOLLOW | _CLOEXEC | os.O_NONBLOCK, dir_fd=dfd)
    except OSError:
        return False  # absent, a symlink or unreadable: write it afresh
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size != len(data):
            return False
        with os.fdopen(os.dup(fd), "rb") as handle:
            return handle.read(len(data) + 1) == data
    finally:
        os.close(fd)


def _replace(dfd: int, name: str, data: bytes, mode: int) -> None:
    tmp = f".{name}.{secrets.token_hex(6)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, mode,
                 dir_fd=dfd)
    done = False
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb", closefd=False) as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, name, src_dir_fd=dfd, dst_dir_fd=dfd)
        done = True
        with contextlib.suppress(OSError):
            os.fsync(dfd)
    finally:
        os.close(fd)
        if not done:
            with contextlib.suppress(OSError):
                os.unlink(tmp, dir_fd=dfd)


def read_regular(path: Path, *, limit: int, what: str) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; a FIFO, device, folder,
    oversize or unreadable file is a `UserError` naming `what` (never a hang)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | _CLOEXEC)
    except OSError as exc:
        raise os_error(path, exc, f"cannot read the {what}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UserError(f"{path.as_posix()}: the {what} must be a regular file")
        if info.st_size > limit:
            raise UserError(f"{path.as_posix()}: the {what} is too large "
                            f"({info.st_size} bytes, at most {limit})")
        with os.fdopen(os.dup(fd), "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise os_error(path, exc, f"cannot read the {what}") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise UserError(f"{path.as_posix()}: the {what} is too large (at most {limit} bytes)")
    return data
