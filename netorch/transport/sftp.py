"""Files onto a device over SFTP, on the SSH session Netmiko already holds.

Why SFTP: a file sent through the shell travels in chunks short enough for the tty's
line editor and Netmiko's echo check, one round trip each (70 % of a 20-device lab's
`lab up` went there). SFTP sends a file in a few packets on a channel of the same SSH
transport: no second login, no second host-key check.

Each write is atomic and private from the start: a temporary file in the target's own
folder (so the rename never crosses a file system), created exclusively with its mode
in the OPEN request itself (0600 for secret-bearing files), then renamed over the
target (`posix-rename@openssh.com`: an atomic replace). The caller fsyncs the
temporary files (`sync FILE...`) before renaming them.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from paramiko.sftp import (
    CMD_HANDLE,
    CMD_OPEN,
    SFTP_FLAG_CREATE,
    SFTP_FLAG_EXCL,
    SFTP_FLAG_WRITE,
)
from paramiko.sftp_attr import SFTPAttributes
from paramiko.sftp_file import SFTPFile

from netorch.transport.errors import DeviceError

TIMEOUT = 60.0
NO_SFTP = ("the device's sshd offers no SFTP subsystem: netorch sends files over SFTP "
           "(add `Subsystem sftp internal-sftp` or the distribution's sftp-server to "
           "sshd_config)")


def temp_path(path: str) -> str:
    """A fresh hidden name beside `path`, in the same folder.

    >>> temp_path("/etc/frr/frr.conf").startswith("/etc/frr/.frr.conf.netorch-")
    True
    """
    target = PurePosixPath(path)
    return str(target.with_name(f".{target.name}.netorch-{secrets.token_hex(4)}"))


def _why(exc: OSError) -> str:
    """A short, secret-free cause: the errno's name, else the exception's type."""
    if exc.errno is not None and exc.errno in errno.errorcode:
        return f"{errno.errorcode[exc.errno]}: {os.strerror(exc.errno)}"
    return type(exc).__name__


def _create(sftp: Any, path: str, mode: int) -> Any:
    """A new file (O_CREAT|O_EXCL), created with `mode` in the OPEN request itself.

    `SFTPClient.open` sends no attributes, so the server would create the file 0666 less
    its umask and the `chmod` would come a round trip later: a local user opening it in
    between could keep a descriptor and read the keys written afterwards. OpenSSH's
    sftp-server passes the request's permissions to open(2) (SSH_FXP_OPEN, attrs).
    """
    attrs = SFTPAttributes()
    attrs.st_mode = mode
    kind, msg = sftp._request(CMD_OPEN, path,
                              SFTP_FLAG_WRITE | SFTP_FLAG_CREATE | SFTP_FLAG_EXCL, attrs)
    if kind != CMD_HANDLE:
        raise OSError(errno.EPROTO, "no handle for the new file")
    return SFTPFile(sftp, msg.get_binary(), "wx")


@dataclass
class RemoteFiles:
    """SFTP on `ssh_client`'s transport (a `paramiko.SSHClient`), opened on first use."""

    ssh_client: Any
    timeout: float = TIMEOUT
    _sftp: Any = field(default=None, repr=False)

    def client(self) -> Any:
        if self._sftp is None:
            try:
                self._sftp = self.ssh_client.open_sftp()
            except Exception as exc:
                transport = self.ssh_client.get_transport()
                if transport is None or not transport.is_active():
                    raise  # the session itself is gone: the caller classifies that
                raise DeviceError("device", f"{NO_SFTP} ({type(exc).__name__})") from None
            self._sftp.get_channel().settimeout(self.timeout)
        return self._sftp

    def close(self) -> None:
        if self._sftp is not None:
            try:
                self._sftp.close()
            finally:
                self._sftp = None

    def write_temp(self, path: str, text: str, mode: int) -> str:
        """Write `text` to a new temporary file beside `path` with `mode`; its name."""
        temp = temp_path(path)
        sftp = self.client()
        try:
            with _create(sftp, temp, mode) as handle:
                handle.chmod(mode)  # exact, whatever the server's umask
                handle.set_pipelined(True)
                handle.write(text.encode())
        except OSError as exc:
            with contextlib.suppress(Exception):
                self.remove(temp)
            raise DeviceError("device", f"writing {path} over SFTP failed ({_why(exc)})") \
                from None
        return temp

    def replace(self, temp: str, path: str) -> None:
        """Rename `temp` over `path` in one step."""
        try:
            self.client().posix_rename(temp, path)
        except OSError as exc:
            raise DeviceError("device", f"installing {path} failed ({_why(exc)})") from None

    def remove(self, path: str) -> None:
        """Remove `path` if it is there (a missing file is fine)."""
        try:
            self.client().remove(path)
        except FileNotFoundError:
            return
        except OSError as exc:
            raise DeviceError("device", f"removing {path} failed ({_why(exc)})") from None
