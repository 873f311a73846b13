"""The driver contract: NAPALM's lifecycle, over a plain Netmiko CLI session.

Why not the stock NAPALM drivers: `ios` loads candidates by SCP and diffs with
`show archive config differences`, `junos` speaks NETCONF; FortiOS and Linux have no
NAPALM driver at all. One CLI-over-SSH contract serves every platform, keeps the
device-side behaviour the same as an engineer typing, and is what the test suite's SSH
simulator and a real sshd can both provide. The lifecycle keeps NAPALM's shape:

    running = get_running(); change = plan(running)   # compare_config
    save()                                             # rollback point
    push(change)                                       # load + commit (confirmed, if any)
    confirm()                                          # make it permanent
    rollback()                                         # back to the saved point
"""

from __future__ import annotations

import errno
import re
import socket
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from netorch.deploy.change import Change
from netorch.deploy.targets import DeviceTarget
from netorch.platforms import registry

Connect = Callable[[], Any]


class DeviceError(Exception):
    """A device step failed. `kind` is one of unreachable, auth, timeout, rejected,
    session-lost, verify, device; the message is already scrubbed of secrets."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message


def classify(exc: BaseException) -> str:
    """The kind of a Netmiko / paramiko / socket exception, without reading its text."""
    from netmiko.exceptions import ConfigInvalidException, ReadTimeout

    if isinstance(exc, DeviceError):
        return exc.kind
    cause = connect_cause(exc)
    if cause is not None:
        return cause.kind
    if isinstance(exc, ConfigInvalidException):
        return "rejected"
    if isinstance(exc, ReadTimeout):
        return "timeout"
    if isinstance(exc, EOFError | OSError) or type(exc).__name__ in ("SSHException",):
        return "session-lost"
    return "device"


@dataclass(frozen=True)
class ConnectCause:
    """Why an SSH connection failed: a kind (as `DeviceError.kind`), what happened, and
    what to check."""

    kind: str
    what: str
    check: str


_ADDRESS = "is the device up, and is its `mgmt:` address and port right?"
_CREDENTIALS = ("check NETORCH_USERNAME and NETORCH_PASSWORD (or NETORCH_SSH_KEY) "
                "for this device")
_REFUSED = ConnectCause("unreachable", "connection refused", _ADDRESS)
_TIMED_OUT = ConnectCause("unreachable", "no answer (timed out)",
                          "is the address right, and does every firewall on the way let "
                          "SSH through?")
_NO_ROUTE = ConnectCause("unreachable", "no route to it", _ADDRESS)
_NO_NAME = ConnectCause("unreachable", "the host name does not resolve", _ADDRESS)
_AUTH = ConnectCause("auth", "authentication failed", _CREDENTIALS)
_HOST_KEY_CHANGED = ConnectCause(
    "host-key", "host key mismatch: the device's SSH host key is not the one "
    "NETORCH_KNOWN_HOSTS holds for it", "a replaced device, or someone in between: "
    "confirm the new key out of band before updating NETORCH_KNOWN_HOSTS")
_HOST_KEY_UNKNOWN = ConnectCause(
    "host-key", "unknown host key: NETORCH_KNOWN_HOSTS has no key for it",
    "add the device's key to that file (`ssh-keyscan`, then confirm it out of band)")


def connect_cause(exc: BaseException) -> ConnectCause | None:
    """Why connecting failed, if `exc` is a connection failure (what it was raised from
    tells the cause: Netmiko turns every socket error into its own timeout exception)."""
    from netmiko.exceptions import NetmikoAuthenticationException, NetmikoTimeoutException

    connecting = isinstance(exc, NetmikoAuthenticationException | NetmikoTimeoutException
                            | ConnectionRefusedError | socket.gaierror) \
        or _paramiko(exc, "AuthenticationException") \
        or _paramiko(exc, "BadHostKeyException") or _unknown_host_key(exc)
    if not connecting:
        return None
    for e in _chain(exc):
        found = (_REFUSED if isinstance(e, ConnectionRefusedError) else
                 _NO_NAME if isinstance(e, socket.gaierror) else
                 _TIMED_OUT if isinstance(e, TimeoutError) else
                 _NO_ROUTE if isinstance(e, OSError) and e.errno in _NO_ROUTE_ERRNOS else
                 _AUTH if isinstance(e, NetmikoAuthenticationException)
                 or _paramiko(e, "AuthenticationException") else
                 _HOST_KEY_CHANGED if _paramiko(e, "BadHostKeyException") else
                 _HOST_KEY_UNKNOWN if _unknown_host_key(e) else None)
        if found is not None:
            return found
    return _TIMED_OUT  # Netmiko's own timeout while connecting (banner, login)


_NO_ROUTE_ERRNOS = frozenset({errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EHOSTDOWN})


def _paramiko(exc: BaseException, name: str) -> bool:
    """Whether `exc` is paramiko's exception `name` (or a subclass): Netmiko's SSH library,
    named rather than imported, as netorch uses it only through Netmiko."""
    return any(c.__name__ == name and c.__module__.startswith("paramiko")
               for c in type(exc).__mro__)


def _unknown_host_key(exc: BaseException) -> bool:
    """paramiko's RejectPolicy: a plain SSHException, told apart only by its text (the
    text names the host, never a secret)."""
    return _paramiko(exc, "SSHException") and "not found in known_hosts" in str(exc)


def _chain(exc: BaseException) -> list[BaseException]:
    """`exc` and what it was raised from or during, nearest first (with the error of
    each address paramiko tried: its NoValidConnectionsError holds them)."""
    out: list[BaseException] = []
    cause: BaseException | None = exc
    while cause is not None and all(cause is not seen for seen in out):
        out.append(cause)
        tried = getattr(cause, "errors", None) if _paramiko(cause, "NoValidConnectionsError") \
            else None
        out += [e for e in (tried or {}).values() if isinstance(e, BaseException)]
        cause = cause.__cause__ or cause.__context__
    return out


_WHAT = {"auth": "authentication failed", "unreachable": "cannot connect",
         "timeout": "timed out waiting for the device", "session-lost": "SSH session lost",
         "rejected": "the device rejected a line", "device": "unexpected device error",
         "host-key": "the device's SSH host key was refused"}


def as_device_error(exc: BaseException, step: str, alive: bool = True,
                    where: str = "", device: str = "") -> DeviceError:
    """A safe `DeviceError` for `exc`: the kind and the step, never the library's text
    (Netmiko quotes the command it was sending, which may carry a key). A connection
    that failed says to what (`where`: host and port; `device`: its name), why (refused,
    timed out, authentication, host key) and what to check.

    >>> print(as_device_error(ConnectionRefusedError(), "connect", where="192.0.2.1:22",
    ...                       device="nfk-hq-r1"))
    unreachable: cannot connect to 192.0.2.1:22 (device nfk-hq-r1): connection refused: \
is the device up, and is its `mgmt:` address and port right?
    """
    if isinstance(exc, DeviceError):
        return exc
    cause = connect_cause(exc)
    if cause is not None and (step == "connect" or where):
        place = (f" to {where}" if where else "") + (f" (device {device})" if device else "")
        return DeviceError(cause.kind, f"cannot connect{place}: {cause.what}: {cause.check}")
    kind = classify(exc)
    if kind == "timeout" and not alive:
        kind = "session-lost"
    return DeviceError(kind, f"{_WHAT[kind]} during {step} ({type(exc).__name__})")


class Driver(ABC):
    """One platform's way to read, change and restore a device over a CLI session."""

    platform: ClassVar[str]
    netmiko_type: ClassVar[str]
    automatic_rollback: ClassVar[bool] = False
    errors: ClassVar[str] = r"$^"  # regex of the platform's "line rejected" texts

    def __init__(self, target: DeviceTarget, connect: Connect, reconnect: Connect) -> None:
        self.target = target
        self._connect = connect
        self._reconnect = reconnect
        self.conn: Any = None
        self.saved: str = ""
        self.device_diff: str = ""

    def open(self) -> None:
        self.conn = self._connect()

    def alive(self) -> bool:
        """Whether the SSH session still stands (a dropped one looks like a timeout)."""
        try:
            return bool(self.conn is not None and self.conn.is_alive())
        except Exception:
            return False

    def reopen(self) -> None:
        self.conn = self._reconnect()

    @property
    def intended(self) -> str:
        return "".join(self.target.files.get(name, "") for name in self.files())

    @classmethod
    @abstractmethod
    def files(cls) -> tuple[str, ...]:
        """The rendered files this driver deploys."""

    @abstractmethod
    def get_running(self) -> str:
        """The device's running configuration as text."""

    @abstractmethod
    def plan(self, running: str, *, rotate_keys: bool = False) -> Change:
        """What would change `running` into the intended config (empty: nothing).

        A key the device shows encrypted cannot be compared with the rendered one: it
        counts as equal while present, and is sent again only with `rotate_keys`."""

    @abstractmethod
    def managed(self, running: str) -> str:
        """The part of `running` netorch owns, canonical: equal means same state."""

    @classmethod
    def complete(cls, running: str) -> bool:
        """Whether `running` reads as a whole config: not empty, and ending with the
        platform's `last_line` where it has one (IOS's `end`). A read cut short must
        never be diffed: it would hide the operator's BGP process and every conflict
        with it."""
        lines = running.rstrip().splitlines()
        return bool(running.strip()) and (cls.last_line is None or lines[-1] == cls.last_line)

    def read_running(self) -> str:
        """`get_running`, read again when it came back incomplete (a busy session), and
        refused if it still does."""
        for _ in range(self.READ_ATTEMPTS):
            running = self.get_running()
            if self.complete(running):
                return running
        raise DeviceError("device", f"the running config came back incomplete "
                          f"{self.READ_ATTEMPTS} times: nothing is planned from a partial read")

    @classmethod
    def lines(cls, text: str) -> list[str]:
        """Every line of a config as one full path, keys masked (see `configs.lines`).
        Default: the non-blank lines as they are."""
        return [line.rstrip() for line in text.splitlines() if line.strip()]

    def save(self, running: str) -> None:
        """Make a rollback point. Default: remember the running config."""
        self.saved = running

    @abstractmethod
    def push(self, change: Change) -> None:
        """Apply `change` (for commit-confirm platforms: commit it, still unconfirmed)."""

    def confirm(self) -> None:  # noqa: B027 - optional hook, most platforms need nothing
        """Make the pushed change permanent (confirm, save to startup)."""

    @abstractmethod
    def rollback(self) -> None:
        """Return the device to the saved rollback point."""

    def kick(self) -> int:
        """After the device's whole rollout tier committed: start again the tunnels it
        initiates and gave up on while its peers in the tier were still unconfigured; how
        many. Default: nothing (a device that retries by itself needs nothing)."""
        return 0

    # What follows the base prompt on a prompt line (a mode in brackets, then # > or $).
    prompt_tail: ClassVar[str] = r"(?:\([^)\n]*\))?[#>$] ?"
    # The line a whole running config ends with, where the platform has one (IOS's and
    # FortiOS's `end`): the read waits for it right before the prompt.
    last_line: ClassVar[str | None] = None
    READ_ATTEMPTS: ClassVar[int] = 3

    def show(self, command: str) -> str:
        """The whole output of a long `show`: read up to a line that is only the prompt
        (after the config's last line, where it has one). Netmiko's default stops at the
        first match of the base prompt (the host name), which a config prints and
        netorch's own descriptions carry; a prompt left over from an earlier command is
        cleared first, or it would end the read at once."""
        prompt = re.escape(self.conn.base_prompt.strip())
        last = rf"^{re.escape(self.last_line)}\s*" if self.last_line else ""
        self.conn.clear_buffer()
        return self.send(command, expect=rf"(?m){last}^{prompt}{self.prompt_tail}\r?$")

    def send(self, command: str, expect: str | None = None) -> str:
        # auto_find_prompt=False: the base prompt is known since login, and finding it
        # again costs a round trip plus a fixed sleep on every command
        output: str = self.conn.send_command(command, expect_string=expect, strip_prompt=True,
                                             strip_command=True, auto_find_prompt=False)
        return output


def driver_for(platform: str) -> type[Driver] | None:
    """The deploy driver of `platform`, from its plugin; None if it has none."""
    plugin = registry().get(platform)
    return plugin.deploy_driver() if plugin else None
