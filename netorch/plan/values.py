"""Addresses the planner builds once and the templates write many times.

A link's address is the underlay address and endpoint of every tunnel over the link,
and a site's prefix is in the prefix list of every device that accepts it (each hub:
every site's). The planner makes one value per link and per prefix and shares it; these
`ipaddress` subclasses also keep their text once computed, so a value written into a
thousand files is formatted once. They equal, hash and serialise as their base classes.

>>> shared = SharedAddress("198.51.100.10")
>>> str(shared), shared == IPv4Address("198.51.100.10")
('198.51.100.10', True)
>>> str(SharedNetwork("10.11.0.0/16"))
'10.11.0.0/16'
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network


class _TextOnce:
    """`str()` computed once, then kept (the concrete class gives the `_text` slot)."""

    __slots__ = ()
    _text: str

    def __str__(self) -> str:
        try:
            return self._text
        except AttributeError:
            text = super().__str__()
            self._text = text  # type: ignore[misc]  # the slot is the concrete class's
            return text


class SharedAddress(_TextOnce, IPv4Address):
    """An IPv4 address shared by many plan values (a link's, by its tunnel ends)."""

    __slots__ = ("_text",)


class SharedNetwork(_TextOnce, IPv4Network):
    """An IPv4 prefix shared by many plan values (a site's LAN, a device's loopback /32)."""

    __slots__ = ("_text",)


def shared_address(address: IPv4Address) -> SharedAddress:
    """`address` (of an interface address: its address alone) as a `SharedAddress`."""
    return SharedAddress(int(address))


def shared_network(prefix: IPv4Network) -> SharedNetwork:
    return SharedNetwork((int(prefix.network_address), prefix.prefixlen))
