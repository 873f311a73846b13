"""Field types with messages a network engineer can act on."""

from __future__ import annotations

import ipaddress
import re
from functools import partial
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema
from pydantic_core import PydanticCustomError

# No "--" inside a name: netorch joins names with it (tunnel ids DEV_A--DEV_B--UNDERLAY,
# key references psk:DEV_A--DEV_B), so a name that held it could forge another's identity.
_NAME_RE = re.compile(r"^(?!.*--)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
# Free text (organisation, descriptions): what a CLI description, a comment, a quoted
# string and a shell word can all carry as data. No quotes but the apostrophe, no
# backslash, `;`, `#`, braces, angle brackets, `$`, backtick or control characters.
FREE_TEXT_CHARS = "letters, digits, spaces and . , ' & ( ) / - : + _ @ % ="
FREE_TEXT_MAX = 128
_FREE_TEXT_CHAR = re.compile(r"[A-Za-z0-9 .,'&()/:+_@%=-]")
_FREE_TEXT_RE = re.compile(rf"^{_FREE_TEXT_CHAR.pattern}{{1,{FREE_TEXT_MAX}}}$")
# An interface name at model level: one token in every output syntax. Each platform
# narrows it to its own naming (`Platform.interface_pattern`, checked by validate).
INTERFACE_PATTERN = r"[A-Za-z0-9][A-Za-z0-9/._:-]{0,63}"
_IFNAME_RE = re.compile(f"^{INTERFACE_PATTERN}$")
_IFNAME_CHAR = re.compile(r"[A-Za-z0-9/._:-]")
# The name of an object the device already has (a security zone, a VDOM): the vendors'
# own naming, which allows upper case and '_', but still one token in every syntax.
_OBJECT_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,30}$")
_OBJECT_NAME_CHAR = re.compile(r"[A-Za-z0-9_.-]")
_DURATION_RE = re.compile(r"^(\d+)\s*([smhd]?)$", re.IGNORECASE)
_DURATION_DIGITS = 12  # a bound before int(): longer digit strings are refused unread
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


def shown(value: str, limit: int = 64) -> str:
    r"""A value quoted for a message, escaped unless it is printable ASCII.

    >>> shown("eth0"), shown("East\nusername evil")
    ("'eth0'", "'East\\nusername evil'")
    """
    text = value if len(value) <= limit else value[:limit] + "..."
    return f"'{text}'" if text.isascii() and text.isprintable() else ascii(text)


def parse_name(value: Any) -> str:
    """Lower-case DNS-label names: they become hostnames, file and section names."""
    if not isinstance(value, str):
        raise PydanticCustomError("name_type", "expected a name as a string, got {got}",
                                  {"got": type(value).__name__})
    if not _NAME_RE.fullmatch(value):
        raise PydanticCustomError(
            "name", "{v} is not a valid name: use a-z, 0-9 and '-', at most 63 characters, "
            "not starting or ending with '-', no '--' inside", {"v": shown(value)})
    return value


def parse_free_text(value: Any) -> str:
    """Descriptive text (organisation, descriptions), restricted to what every output
    can hold as data.

    >>> parse_free_text("HM Courts & Tribunals Service")
    'HM Courts & Tribunals Service'
    """
    if not isinstance(value, str):
        raise PydanticCustomError("text_type", "expected text, got {got}",
                                  {"got": type(value).__name__})
    text = value.strip()
    if not _FREE_TEXT_RE.fullmatch(text):
        raise PydanticCustomError(
            "text", "text may hold only {allowed}, 1 to {max} characters{found}",
            {"allowed": FREE_TEXT_CHARS, "max": FREE_TEXT_MAX,
             "found": _found(text, _FREE_TEXT_CHAR)})
    return text


def _found(text: str, allowed: re.Pattern[str]) -> str:
    """'; found X, Y': the characters of `text` outside `allowed`, each shown escaped
    (never the text itself: it may be built to forge output)."""
    bad = sorted({c for c in text if not allowed.fullmatch(c)})
    return f"; found {', '.join(shown(c) for c in bad)}" if bad else ""


def parse_interface_name(value: Any) -> str:
    """An interface name: one word of letters, digits and / . _ : -, at most 64."""
    if not isinstance(value, str):
        raise PydanticCustomError("ifname_type", "expected an interface name as a string, "
                                  "got {got}", {"got": type(value).__name__})
    text = value.strip()
    if not _IFNAME_RE.fullmatch(text):
        raise PydanticCustomError(
            "ifname", "an interface name may hold only letters, digits and / . _ : -, "
            "starting with a letter or digit, 1 to 64 characters{found}",
            {"found": _found(text, _IFNAME_CHAR)})
    return text


def parse_object_name(value: Any) -> str:
    """The name of an existing device object: letters, digits, '_', '.', '-', at most 31."""
    if not isinstance(value, str):
        raise PydanticCustomError("object_name_type", "expected a name as a string, got {got}",
                                  {"got": type(value).__name__})
    if not _OBJECT_NAME_RE.fullmatch(value):
        raise PydanticCustomError(
            "object_name", "{v} is not a device object name: use letters, digits, '_', '.' "
            "and '-', starting with a letter or digit, at most 31 characters{found}",
            {"v": shown(value), "found": _found(value, _OBJECT_NAME_CHAR)})
    return value


def is_name(text: str) -> bool:
    """Whether `text` is a legal `Name`.

    >>> is_name("nfk-hq-r1"), is_name("a--b")
    (True, False)
    """
    try:
        parse_name(text)
    except PydanticCustomError:
        return False
    return True


def parse_duration(value: Any, *, what: str = "a lifetime", most: int = 0,
                   least: int = 1) -> int:
    """Seconds, from 3600, '3600s', '60m', '24h' or '1D'; at least `least`, at most `most`
    (0: at most 10**12 s, so a digit string is never converted whole whatever its length).

    >>> parse_duration("8h")
    28800
    """
    limit = most or 10 ** _DURATION_DIGITS
    if isinstance(value, int) and not isinstance(value, bool):
        seconds = value
    else:
        match = _DURATION_RE.match(str(value).strip()) if isinstance(value, str) else None
        if match is None:
            raise PydanticCustomError("duration", "'{v}' is not a duration (e.g. 8h, 30m, 3600)",
                                      {"v": value})
        digits, unit = match.groups()
        too_many = len(digits.lstrip("0")) > _DURATION_DIGITS
        seconds = limit + 1 if too_many else int(digits) * _UNITS[unit.lower()]
    if seconds < least:
        raise PydanticCustomError("duration", "{what} must be {sign}", {
            "what": what, "sign": "positive" if least > 0 else "zero or more"})
    if seconds > limit:
        raise PydanticCustomError("duration_range", "{what} of {v} is too long: at most "
                                  "{most}", {"what": what, "v": shown(str(value)),
                                             "most": _days(limit)})
    return seconds


def _days(seconds: int) -> str:
    """A limit in days, as a user writes it, and in seconds.

    >>> _days(7 * 86400)
    '7d (604800 s)'
    """
    return f"{seconds // 86400}d ({seconds} s)"


def _duration_schema(most: int, least: int = 1) -> WithJsonSchema:
    return WithJsonSchema({"anyOf": [{"type": "integer", "minimum": least, "maximum": most},
                                     {"type": "string", "pattern": r"^\d+\s*[smhdSMHD]?$"}],
                           "description": "seconds, or a duration like 8h / 30m / 1d; "
                                          f"at most {_days(most)}"})


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
                 _str_schema(_NAME_RE.pattern, "lower-case name: a-z, 0-9, '-' (not '--')")]
FreeText = Annotated[str, BeforeValidator(parse_free_text),
                     _str_schema(_FREE_TEXT_RE.pattern, f"text: {FREE_TEXT_CHARS}")]
ObjectName = Annotated[str, BeforeValidator(parse_object_name),
                       _str_schema(_OBJECT_NAME_RE.pattern, "an existing device object's name")]
InterfaceName = Annotated[str, BeforeValidator(parse_interface_name),
                          _str_schema(_IFNAME_RE.pattern,
                                      "interface name, in the device platform's own naming")]
# Bounded so that date arithmetic on them cannot overflow and no device is handed a
# value it cannot hold: IKE and IPsec SA lifetimes top out at one day (IOS-XE IKEv2,
# Junos) or two (FortiOS); the quarantine of a released address at years.
MAX_QUARANTINE = 3650 * 86400
MAX_LIFETIME = 7 * 86400
Quarantine = Annotated[int, BeforeValidator(partial(parse_duration, what="the quarantine",
                                                    most=MAX_QUARANTINE, least=0)),
                       _duration_schema(MAX_QUARANTINE, least=0)]
Lifetime = Annotated[int, BeforeValidator(partial(parse_duration, what="a lifetime",
                                                  most=MAX_LIFETIME)),
                     _duration_schema(MAX_LIFETIME)]
