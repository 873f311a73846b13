"""Safe file I/O at the OS boundary: every write netorch makes, and reads of files a
user names (secret, state, inventory), go through here.

Writes are atomic and stay inside their target folder: a temp file is created
exclusively (`O_CREAT | O_EXCL | O_NOFOLLOW`, unique name) *in* the target folder,
written, fsynced and renamed over the target, so a planted symlink is replaced, not
followed, two concurrent writers never share a temp file, and an interrupted write
(error, disk full, Ctrl-C) leaves the old file and no temp file behind. Folders below
the root that netorch creates are opened without following symlinks. A folder, device,
FIFO or socket where a file should go is refused, never replaced. Every `OSError`
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
_SYMLINK = "it is a symbolic link (netorch never writes through one)"


class _Refused(Exception):
    """`parts` (a folder or the file, relative to the root) cannot be written: `message`."""

    def __init__(self, parts: tuple[str, ...], message: str) -> None:
        super().__init__(message)
        self.parts = parts
        self.message = message


def os_error(path: Path | str, exc: OSError, doing: str = "cannot write") -> UserError:
    """A user-facing error for an OS failure at `path` (no traceback, no errno soup)."""
    return UserError(f"{Path(path).as_posix()}: {doing}: {os_reason(Path(path), exc)}")


def os_reason(path: Path, exc: OSError) -> str:
    """Why the OS refused `path`, in words (a dangling link and a loop named as such)."""
    if exc.errno == errno.ENOENT and path.is_symlink():
        return "a dangling symbolic link (its target does not exist)"
    if exc.errno == errno.ELOOP:
        return "too many levels of symbolic links (a symlink loop?)"
    if exc.errno == errno.ENOSPC:
        return "no space left on the device"
    return exc.strerror or str(exc)


def write_file(path: Path, data: bytes | str, *, mode: int = 0o644,
               dir_mode: int = DIR_MODE) -> bool:
    """Atomically write `path` (parents created with `dir_mode`). Returns False if the
    file already held exactly `data` (then only its mode is set), True if written."""
    if path.name in ("", ".", ".."):
        raise UserError(f"{path.as_posix()}: cannot write: it is a folder, not a file")
    return write_under(path.parent, PurePosixPath(path.name), data, mode=mode,
                       dir_mode=dir_mode, create_root=True)


def write_output(path: Path, data: bytes | str) -> bool:
    """Write a file the user named (`--out FILE`): a FIFO or character device it names
    (`/dev/stdout`, `/dev/null`, a pipe) is written into, never replaced; anything else
    is written atomically as `write_file` does."""
    try:
        info = path.stat()
    except OSError:
        info = None
    if info is None or not (stat.S_ISFIFO(info.st_mode) or stat.S_ISCHR(info.st_mode)):
        return write_file(path, data)
    raw = data.encode() if isinstance(data, str) else data
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK | _CLOEXEC)  # no reader: ENXIO, no hang
    except OSError as exc:
        if exc.errno == errno.ENXIO:
            raise UserError(f"{path.as_posix()}: cannot write: a FIFO nothing reads") from None
        raise os_error(path, exc) from None
    try:
        os.set_blocking(fd, True)  # opened non-blocking only to fail fast without a reader
        _write_all(fd, raw)
    except OSError as exc:
        raise os_error(path, exc) from None
    finally:
        os.close(fd)
    return True


def write_under(root: Path, relative: PurePosixPath, data: bytes | str, *, mode: int = 0o644,
                dir_mode: int = DIR_MODE, create_root: bool = True) -> bool:
    """Atomically write `root/relative`. `root` may itself be a symlink (the user named
    it); every folder below it is opened with O_NOFOLLOW, created with `dir_mode`
    (applied whatever the umask) and, when `dir_mode` is `SECRET_DIR_MODE`, tightened to
    it if it already existed. Returns False if the content was already `data`."""
    raw = data.encode() if isinstance(data, str) else data
    target = root / relative
    if relative.is_absolute() or ".." in relative.parts or not relative.name:
        raise UserError(f"{target.as_posix()}: refused: not inside {root.as_posix()}")
    try:
        with _open_folder(root, relative.parent.parts, dir_mode, create_root) as dfd:
            if _unchanged(dfd, relative.parts, raw, mode):
                return False
            _replace(dfd, relative.name, raw, mode)
            return True
    except _Refused as exc:
        raise UserError(f"{root.joinpath(*exc.parts).as_posix()}: {exc.message}") from None
    except OSError as exc:
        raise os_error(target, exc) from None


def make_folder(path: Path, mode: int = DIR_MODE) -> None:
    """Create folder `path` (and its parents) with `mode` whatever the umask, if absent;
    an existing folder is left as it is (the user's)."""
    try:
        _make_root(path, mode)
    except _Refused as exc:
        raise UserError(f"{path.as_posix()}: {exc.message}") from None


def append_file(path: Path, data: bytes | str, *, mode: int = 0o640) -> None:
    """Append `data` in one `write` (O_APPEND: concurrent appenders never interleave a
    record) to the regular file `path`, created with `mode` if absent; its folder is
    created. A symlink, FIFO or device at `path` is refused."""
    raw = data.encode() if isinstance(data, str) else data
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK | _NOFOLLOW
                     | _CLOEXEC, mode)
    except OSError as exc:
        if exc.errno == errno.ELOOP and path.is_symlink():
            raise UserError(f"{path.as_posix()}: cannot write: {_SYMLINK}") from None
        raise os_error(path, exc) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise UserError(f"{path.as_posix()}: cannot write: not a regular file")
        written = os.write(fd, raw)
        if written != len(raw):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    except OSError as exc:
        raise os_error(path, exc) from None
    finally:
        os.close(fd)


@contextlib.contextmanager
def _open_folder(root: Path, parts: tuple[str, ...], dir_mode: int, create_root: bool
                 ) -> Iterator[int]:
    if create_root:
        _make_root(root, dir_mode)
    try:
        fd = os.open(root, os.O_RDONLY | _DIRECTORY | _CLOEXEC)
    except NotADirectoryError:
        raise _Refused((), "cannot write into it: not a folder") from None
    try:
        for depth, part in enumerate(parts):
            child = _descend(fd, part, dir_mode, parts[:depth + 1])
            os.close(fd)
            fd = child
        yield fd
    finally:
        os.close(fd)


def _make_root(root: Path, dir_mode: int) -> None:
    """Create `root` (and its parents) if absent; a concurrent creator is no error."""
    if root.is_dir():
        return
    try:
        root.mkdir(parents=True, mode=dir_mode)
    except FileExistsError:
        return  # created meanwhile (or not a folder: the open that follows says so)
    except OSError as exc:
        raise _Refused((), f"cannot create the folder: {os_reason(root, exc)}") from None
    root.chmod(dir_mode)  # whatever the umask


def _descend(parent: int, name: str, dir_mode: int, parts: tuple[str, ...]) -> int:
    """Open (creating if needed) folder `name` in `parent`, never through a symlink."""
    created = False
    try:
        os.mkdir(name, dir_mode, dir_fd=parent)
        created = True
    except FileExistsError:
        pass
    try:
        child = os.open(name, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC, dir_fd=parent)
    except OSError as exc:
        if exc.errno not in (errno.ENOTDIR, errno.ELOOP):
            raise
        is_link = stat.S_ISLNK(os.stat(name, dir_fd=parent, follow_symlinks=False).st_mode)
        raise _Refused(parts, f"cannot write into it: {_SYMLINK if is_link else 'not a folder'}"
                       ) from None
    if created or dir_mode == SECRET_DIR_MODE:
        os.fchmod(child, dir_mode)
    return child


def _unchanged(dfd: int, parts: tuple[str, ...], data: bytes, mode: int) -> bool:
    """True if the file already holds `data` (its mode is then set). A symlink or an
    absent file is False (to be replaced); a folder or special file is refused."""
    name = parts[-1]
    try:
        info = os.stat(name, dir_fd=dfd, follow_symlinks=False)
    except FileNotFoundError:
        return False
    if stat.S_ISLNK(info.st_mode):
        return False
    if not stat.S_ISREG(info.st_mode):
        raise _Refused(parts, f"cannot write: it is {_kind(info.st_mode)}, not a file "
                       "(netorch replaces only regular files)")
    if info.st_size != len(data):
        return False
    fd = os.open(name, os.O_RDONLY | _NOFOLLOW | _CLOEXEC | os.O_NONBLOCK, dir_fd=dfd)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode) or _read_upto(fd, len(data) + 1) != data:
            return False
        os.fchmod(fd, mode)  # the file itself, not whatever its name points at by now
        return True
    finally:
        os.close(fd)


def _replace(dfd: int, name: str, data: bytes, mode: int) -> None:
    tmp = f".{name}.{secrets.token_hex(6)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, mode,
                 dir_fd=dfd)
    done = False
    try:
        os.fchmod(fd, mode)
        _write_all(fd, data)
        os.fsync(fd)
        os.replace(tmp, name, src_dir_fd=dfd, dst_dir_fd=dfd)
        done = True
        with contextlib.suppress(OSError):
            os.fsync(dfd)
    finally:
        os.close(fd)
        if not done:
            with contextlib.suppress(OSError):
                os.unlink(tmp, dir_fd=dfd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _read_upto(fd: int, size: int) -> bytes:
    chunks: list[bytes] = []
    while size > 0:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


class ReadRefused(UserError):
    """A file netorch was asked to read is not readable as a regular file; `reason`
    says why without the path (for messages placed at the path, as findings are)."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path.as_posix()}: {reason}")
        self.path = path
        self.reason = reason


def read_regular(path: Path, *, limit: int, what: str, pipes: bool = False,
                 inside: Path | None = None, folder_is: str = "the inventory folder") -> bytes:
    """The bytes of a regular file of at most `limit` bytes; a device, folder, oversize
    or unreadable file is a `ReadRefused` naming `what` (never a hang). With `pipes`, a
    pipe is read too, up to `limit` (`--secret-file <(pass show fabric)` keeps a secret
    off the disk); a named FIFO nobody writes reads as empty at once.

    With `inside` (a folder, resolved: `os.path.realpath`), a file that resolves outside
    it, through a symbolic link to it or to a folder above it, is refused unopened: a
    site file linked to the master secret must not be read, let alone quoted in an
    error. `folder_is` names `inside` in that message."""
    belongs = "to the inventory" if folder_is == "the inventory folder" else "there"
    outside = ReadRefused(path, f"the {what} resolves, through a symbolic link, to a file "
                          f"outside {folder_is}: netorch reads nothing from outside it (copy "
                          f"the file in if it belongs {belongs})")
    folder = str(inside) if inside is not None else None
    if folder is not None and path.is_symlink() and \
            not _within(os.path.realpath(path), folder):
        raise outside  # not even opened: it may lead to a device
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | _CLOEXEC)
    except OSError as exc:
        raise ReadRefused(path, f"cannot read the {what}: {os_reason(path, exc)}") from None
    try:
        if folder is not None and not _within(_opened_path(fd, path), folder):
            raise outside  # through a linked folder, or a link swapped in meanwhile
        data = _read_bounded(fd, path, limit, what, pipes)
    except OSError as exc:
        raise ReadRefused(path, f"cannot read the {what}: {os_reason(path, exc)}") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise ReadRefused(path, f"the {what} is too large (at most {limit} bytes)")
    return data


def _within(real: str, folder: str) -> bool:
    """True if the resolved path `real` is `folder` or below it."""
    return real == folder or real.startswith(folder.rstrip("/") + "/")


def _opened_path(fd: int, path: Path) -> str:
    """Where the open file `fd` really is (Linux's /proc/self/fd), else `path` resolved."""
    try:
        return os.readlink(f"/proc/self/fd/{fd}")  # noqa: PTH115 - 7x faster than Path's
    except OSError:
        return os.path.realpath(path)


def _read_bounded(fd: int, path: Path, limit: int, what: str, pipes: bool) -> bytes:
    info = os.fstat(fd)
    if pipes and stat.S_ISFIFO(info.st_mode):
        os.set_blocking(fd, True)  # no writer: EOF at once; a writer: wait for its data
        return _read_upto(fd, limit + 1)
    if not stat.S_ISREG(info.st_mode):
        kinds = "a regular file or a pipe" if pipes else "a regular file"
        raise ReadRefused(path, f"the {what} must be {kinds}, not {_kind(info.st_mode)}")
    if info.st_size > limit:
        raise ReadRefused(path, f"the {what} is too large ({info.st_size} bytes, at most "
                          f"{limit})")
    return _read_upto(fd, limit + 1)


def _kind(mode: int) -> str:
    """What a non-regular file is, for messages."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"
