"""What went wrong with a device, in words safe to print: deploy's and verify's errors.

A Netmiko, paramiko or socket exception becomes a `DeviceError` with a kind
(unreachable, auth, host-key, timeout, rejected, session-lost, verify, device) and a
message that never quotes the library's text (Netmiko quotes the command it was
sending, which may carry a key). A failed connection says to what, why (refused,
timed out, authentication, host key) and what to check.
"""

from __future__ import annotations

import errno
import socket
from dataclasses import dataclass


class DeviceError(Exception):
    """A device step failed. `kind` is one of unreachable, auth, timeout, rejected,
    session-lost, verify, device; the message is already scrubbed of secrets."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message


def classify(exc: BaseException) -> str:
    """The kind of a Netmiko / paramiko / socket exception, without reading its text."""
    from netmiko.exceptions import (  # noqa: PLC0415 - lazy: Netmiko loads paramiko (~0.2 s)
        ConfigInvalidException,
        ReadTimeout,
    )

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
    from netmiko.exceptions import (  # noqa: PLC0415 - lazy: as in `classify`
        NetmikoAuthenticationException,
        NetmikoTimeoutException,
    )

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
