"""The vocabulary of `fabric.policy`: selectors (who) and services (what), typed.

A selector is `any`, `zone:NAME`, `org:NAME` or `site:NAME`; a service is `any`,
`icmp`, `tcp/N`, `tcp/N-M`, `udp/N`, `udp/N-M` or a name from `SERVICES`. Both are
checked for their form here (a schema error at the value); whether a zone, an
organisation or a site exists is a check (`netorch.checks.policy`), which sees the
whole inventory. Values are kept in one canonical form (`tcp/0443` is `tcp/443`).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from netorch.inventory.errors import describe
from netorch.inventory.types import is_name, parse_free_text, shown

Protocol = Literal["tcp", "udp", "icmp", "any"]


class Port(NamedTuple):
    """One protocol and port range of a service (`first`/`last` None: every port, or
    a protocol without ports)."""

    protocol: Protocol
    first: int | None = None
    last: int | None = None

    def __str__(self) -> str:
        """The canonical text.

        >>> str(Port("tcp", 443, 443)), str(Port("udp", 1, 1023)), str(Port("icmp"))
        ('tcp/443', 'udp/1-1023', 'icmp')
        """
        if self.first is None:
            return self.protocol
        if self.first == self.last:
            return f"{self.protocol}/{self.first}"
        return f"{self.protocol}/{self.first}-{self.last}"


def _tcp(port: int) -> Port:
    return Port("tcp", port, port)


def _udp(port: int) -> Port:
    return Port("udp", port, port)


# The named services and their ports (docs/policy.md lists them with their sources).
SERVICES: dict[str, tuple[tuple[Port, ...], str]] = {
    "dns": ((_udp(53), _tcp(53)), "DNS (RFC 1035, RFC 7766)"),
    "http": ((_tcp(80),), "HTTP"),
    "https": ((_tcp(443),), "HTTPS (HTTP over TLS)"),
    "ldaps": ((_tcp(636),), "LDAP over TLS (IANA port registry: ldaps 636/tcp)"),
    "ntp": ((_udp(123),), "NTP (RFC 5905)"),
    "rdp": ((_tcp(3389), _udp(3389)), "Remote Desktop (MS-RDPBCGR)"),
    "smb": ((_tcp(445),), "SMB file sharing (MS-SMB2, direct TCP)"),
    "sql": ((_tcp(1433),), "Microsoft SQL Server (TDS)"),
    "ssh": ((_tcp(22),), "SSH (RFC 4253)"),
    "syslog": ((_udp(514), _tcp(6514)), "syslog (RFC 5426 UDP, RFC 5425 TLS)"),
}
ANY = "any"
ICMP = "icmp"
_PORTS = re.compile(r"(tcp|udp)/([0-9]{1,5})(?:-([0-9]{1,5}))?")
SERVICE_FORMS = (f"any, icmp, tcp/N, tcp/N-M, udp/N, udp/N-M (ports 1-65535), or one of "
                 f"{', '.join(SERVICES)}")
SELECTOR_FORMS = "any, zone:NAME, org:NAME or site:NAME"
SelectorKind = Literal["any", "zone", "org", "site"]


def service_ports(service: str) -> tuple[Port, ...]:
    """The ports of a canonical service value.

    >>> service_ports("dns"), service_ports("tcp/8000-8100"), service_ports("any")
    ((Port(protocol='udp', first=53, last=53), Port(protocol='tcp', first=53, last=53)), \
(Port(protocol='tcp', first=8000, last=8100),), (Port(protocol='any', first=None, last=None),))
    """
    if service == ANY:
        return (Port("any"),)
    if service == ICMP:
        return (Port("icmp"),)
    if service in SERVICES:
        return SERVICES[service][0]
    protocol, _, ports = service.partition("/")
    first, _, last = ports.partition("-")
    return (Port("tcp" if protocol == "tcp" else "udp", int(first), int(last or first)),)


def parse_service(value: Any) -> str:
    """A service in canonical form: a name, or PROTOCOL/PORT[-PORT] without zeros ahead."""
    if not isinstance(value, str):
        raise PydanticCustomError("service_type", "a service must be a string ({forms}), got "
                                  "{got}", {"forms": SERVICE_FORMS, "got": describe(value)})
    text = value.strip().lower()
    if text in SERVICES or text in (ANY, ICMP):
        return text
    found = _PORTS.fullmatch(text)
    if found is None:
        raise PydanticCustomError("service", "unknown service {v}: use {forms}",
                                  {"v": shown(value), "forms": SERVICE_FORMS})
    first, last = int(found[2]), int(found[3] or found[2])
    if not 1 <= first <= 65535 or not 1 <= last <= 65535 or last < first:
        raise PydanticCustomError("service", "service {v}: ports run from 1 to 65535, the "
                                  "first no higher than the last", {"v": shown(value)})
    return str(Port("tcp" if found[1] == "tcp" else "udp", first, last))


class Selector(NamedTuple):
    kind: SelectorKind
    name: str = ""

    def __str__(self) -> str:
        return self.kind if self.kind == ANY else f"{self.kind}:{self.name}"


def selector(text: str) -> Selector:
    """A canonical selector value as its parts.

    >>> selector("org:HM Courts & Tribunals Service"), selector("any")
    (Selector(kind='org', name='HM Courts & Tribunals Service'), Selector(kind='any', name=''))
    """
    if text == ANY:
        return Selector("any")
    kind, _, name = text.partition(":")
    if kind == "zone":
        return Selector("zone", name)
    if kind == "org":
        return Selector("org", name)
    return Selector("site", name)


def parse_selector(value: Any) -> str:
    if not isinstance(value, str):
        raise PydanticCustomError("selector_type", "a selector must be a string ({forms}), "
                                  "got {got}", {"forms": SELECTOR_FORMS, "got": describe(value)})
    text = value.strip()
    if text == ANY:
        return text
    kind, sep, name = text.partition(":")
    kind, name = kind.strip(), name.strip()
    if not sep or kind not in ("zone", "org", "site") or not name:
        raise PydanticCustomError("selector", "{v} is not a selector: use {forms}",
                                  {"v": shown(value), "forms": SELECTOR_FORMS})
    if kind == "org":
        return f"org:{parse_free_text(name)}"
    if not is_name(name):
        raise PydanticCustomError("selector", "{v}: a {kind} name is lower-case letters, "
                                  "digits and '-', as in the site files",
                                  {"v": shown(value), "kind": kind})
    return f"{kind}:{name}"


ServiceSpec = Annotated[str, BeforeValidator(parse_service), WithJsonSchema(
    {"type": "string", "description": f"a service: {SERVICE_FORMS}"})]
SelectorSpec = Annotated[str, BeforeValidator(parse_selector), WithJsonSchema(
    {"type": "string", "description": f"who: {SELECTOR_FORMS}"})]
