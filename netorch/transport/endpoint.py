"""What the transport needs to reach a device, and nothing it carries besides."""

from __future__ import annotations

from typing import Protocol


class Endpoint(Protocol):
    """A device to connect to: deploy's `DeviceTarget` is one (its files, which may hold
    keys, are not part of it and never reach the transport)."""

    @property
    def name(self) -> str: ...
    @property
    def platform(self) -> str: ...
    @property
    def host(self) -> str: ...
    @property
    def port(self) -> int: ...
    @property
    def site(self) -> str: ...


def address(host: str, port: int) -> str:
    """`host:port`, an IPv6 host in brackets.

    >>> address("2001:db8::1", 22), address("192.0.2.1", 2222)
    ('[2001:db8::1]:22', '192.0.2.1:2222')
    """
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
