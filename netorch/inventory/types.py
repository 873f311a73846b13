"""Field types with messages a network engineer can act on."""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema
from pydantic_core import PydanticCustomError

_NAME_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_DURATION_RE = re.compile(r"^(\d+)\s*([smhd]?)$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def _text(value: Any, what: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise PydanticCustomError("prefix_type", "expected {what} as a string, got {got}",
                                  {"what": what, "got": type(value).__name__})
    return str(value).strip()


def parse_prefix(value: Any) -> ipaddress.IPv4Network:
    """An IPv4 prefix such as 10.11.0.0/16; host bits must be zero."""
    if isinstance(value, ipaddress.IPv4Network):
        return value
    text = _text(value, "an IPv4 prefix")
    if "/" not in text:
        raise PydanticCustomError("prefix", "'{v}' is not a prefix: add a length, e.g. {v}/24",
                                  {"v": text})
    try:
        return ipaddress.IPv4Network(text)
    except ValueError as exc:
        if "host bits set" in str(exc):
            fixed = ipaddress.IPv4Network(text, strict=False)
            raise PydanticCustomError(
                "prefix_host_bits", "prefix {v} has host bits set (did you mean {fixed}?)",
                {"v": text, "fixed": str(fixed)}) from None
        raise PydanticCustomError("prefix", "'{v}' is not a valid IPv4 prefix",
                                  {"v": text}) from None


def parse_interface(value: Any) -> ipaddress.IPv4Interface:
    """An address with its prefix length, such as 172.16.11.2/30."""
    if isinstance(value, ipaddress.IPv4Interface):
        return value
    text = _text(value, "an address/prefix")
    if "/" not in text:
        raise PydanticCustomError("interface", "'{v}' needs a prefix length, e.g. {v}/30",
                                  {"v": text})
    try:
        iface = ipaddress.IPv4Interface(text)
    except ValueError:
        raise PydanticCustomError("interface", "'{v}' is not a valid IPv4 address/prefix",
                                  {"v": text}) from None
    net = iface.network
    if net.prefixlen < 31 and iface.ip in (net.network_address, net.broadcast_address):
        raise PydanticCustomError("interface_host", "{v} is the {which} address of {net}",
                                  {"v": text, "net": str(net), "which":
                                   "network" if iface.ip == net.network_address else "broadcast"})
    return iface


def parse_address(value: Any) -> ipaddress.IPv4Address:
    if isinstance(value, ipaddress.IPv4Address):
        return value
    text = _text(value, "an IPv4 address")
    try:
        return ipaddress.IPv4Address(text)
    except ValueError:
        raise PydanticCustomError("address", "'{v}' is not a valid IPv4 address",
                                  {"v": text}) from None


def parse_name(value: Any) -> str:
    """Lower-case DNS-label names: they become hostnames, file and section names."""
    if not isinstance(value, str):
        raise PydanticCustomError("name_type", "expected a name as a string, got {got}",
                                  {"got": type(value).__name__})
    if not _NAME_RE.match(value):
        raise PydanticCustomError(
            "name", "'{v}' is not a valid name: use a-z, 0-9 and '-', at most 63 characters, "
            "not starting or ending with '-'", {"v": value})
    return value


def parse_duration(value: Any) -> int:
    """Seconds, from 3600, '3600s', '60m', '24h' or '1d'.

    >>> parse_duration("8h")
    28800
    """
    if isinstance(value, int) and not isinstance(value, bool):
        seconds = value
    else:
        match = _DURATION_RE.match(str(value).strip()) if isinstance(value, str) else None
        if match is None:
            raise PydanticCustomError("duration", "'{v}' is not a duration (e.g. 8h, 30m, 3600)",
                                      {"v": value})
        seconds = int(match.group(1)) * _UNITS[match.group(2)]
    if seconds <= 0:
        raise PydanticCustomError("duration", "a lifetime must be positive", {})
    return seconds


def _str_schema(pattern: str | None, description: str) -> WithJsonSchema:
    schema: dict[str, Any] = {"type": "string", "description": description}
    if pattern:
        schema["pattern"] = pattern
    return WithJsonSchema(schema)


_to_str = PlainSerializer(str, return_type=str)

Prefix = Annotated[ipaddress.IPv4Network, BeforeValidator(parse_prefix), _to_str,
                   _str_schema(r"^\d+\.\d+\.\d+\.\d+/\d+$", "IPv4 prefix, e.g. 10.11.0.0/16")]
IfAddress = Annotated[ipaddress.IPv4Interface, BeforeValidator(parse_interface), _to_str,
                      _str_schema(r"^\d+\.\d+\.\d+\.\d+/\d+$",
                                  "address/length, e.g. 172.16.0.2/30")]
Address = Annotated[ipaddress.IPv4Address, BeforeValidator(parse_address), _to_str,
                    _str_schema(r"^\d+\.\d+\.\d+\.\d+$", "IPv4 address")]
Name = Annotated[str, BeforeValidator(parse_name),
                 _str_schema(_NAME_RE.pattern, "lower-case name: a-z, 0-9, '-'")]
Duration = Annotated[int, BeforeValidator(parse_duration),
                     WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 1},
                                               {"type": "string", "pattern": r"^\d+\s*[smhd]?$"}],
                                     "description": "seconds, or a duration like 8h / 30m"})]
