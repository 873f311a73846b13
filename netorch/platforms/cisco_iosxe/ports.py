"""The TCP and UDP port names IOS-XE shows in place of numbers, one table for the reader
of a running config (`numbered`, netorch renders numbers) and the simulator (`named`).

Source: Cisco-IOS-XE-types.yang (YangModels/yang, vendor/cisco/xe/1791), typedefs
`acl-tcp-port-type` and `acl-udp-port-type` (each name with its port number); the
`tcp-port-type` and `udp-port-type` typedefs leave exactly these numbers out of their
numeric range: a port with a name is shown by its name, as in an object-group service's
`tcp eq www` (port 80) or an extended ACL entry's `permit tcp any eq bgp any` (port 179).
"""

from __future__ import annotations

from collections.abc import Callable

TCP = {
    "bgp": 179, "chargen": 19, "cmd": 514, "daytime": 13, "discard": 9, "domain": 53,
    "echo": 7, "exec": 512, "finger": 79, "ftp": 21, "ftp-data": 20, "gopher": 70,
    "hostname": 101, "ident": 113, "irc": 194, "klogin": 543, "kshell": 544, "login": 513,
    "lpd": 515, "msrpc": 135, "nntp": 119, "onep-plain": 15001, "onep-tls": 15002,
    "pim-auto-rp": 496, "pop2": 109, "pop3": 110, "smtp": 25, "sunrpc": 111, "tacacs": 49,
    "talk": 517, "telnet": 23, "time": 37, "uucp": 540, "whois": 43, "www": 80,
}
UDP = {
    "biff": 512, "bootpc": 68, "bootps": 67, "discard": 9, "dnsix": 195, "domain": 53,
    "echo": 7, "isakmp": 500, "mobile-ip": 434, "nameserver": 42, "netbios-dgm": 138,
    "netbios-ns": 137, "netbios-ss": 139, "non500-isakmp": 4500, "ntp": 123,
    "pim-auto-rp": 496, "rip": 520, "ripv6": 521, "snmp": 161, "snmptrap": 162,
    "sunrpc": 111, "syslog": 514, "tacacs": 49, "talk": 517, "tftp": 69, "time": 37,
    "who": 513, "xdmcp": 177,
}
_BY_NUMBER = {protocol: {number: name for name, number in table.items()}
              for protocol, table in (("tcp", TCP), ("udp", UDP))}
_BY_NAME = {"tcp": TCP, "udp": UDP}


def number(protocol: str, word: str) -> int | None:
    """A port word (a number or one of IOS's names) as its number; None if neither.

    >>> number("tcp", "www"), number("udp", "443"), number("udp", "www")
    (80, 443, None)
    """
    if word.isdigit():
        value = int(word)
        return value if value <= 65535 else None
    return _BY_NAME.get(protocol, {}).get(word)


def named(protocol: str, word: str) -> str:
    """A port as IOS shows it: its name if it has one, else the number.

    >>> named("tcp", "80"), named("udp", "80"), named("udp", "123")
    ('www', '80', 'ntp')
    """
    value = number(protocol, word)
    return word if value is None else _BY_NUMBER[protocol].get(value, str(value))


def numbered(entry: str) -> str:
    """An object-group service entry (`tcp eq www`, `udp range 5000 5010`) with its port
    names as numbers, as netorch renders it; other entries unchanged.

    >>> numbered("tcp eq www"), numbered("udp range bootps bootpc"), numbered("icmp")
    ('tcp eq 80', 'udp range 67 68', 'icmp')
    """
    words = entry.split()
    if len(words) < 3 or words[0] not in _BY_NAME:
        return entry
    ports = [str(p) if (p := number(words[0], w)) is not None else w for w in words[2:]]
    return " ".join([*words[:2], *ports])


_OPERANDS = {"eq": 1, "gt": 1, "lt": 1, "neq": 1, "range": 2}


def _acl_ports(entry: str, convert: Callable[[str, str], str]) -> str:
    """An extended ACL entry with each port word after an operator (`eq 179`, `range a
    b`) passed through `convert(protocol, word)`; other entries unchanged."""
    words = entry.split()
    action = next((i for i, w in enumerate(words) if w in ("permit", "deny")), None)
    if action is None or action + 1 >= len(words) or words[action + 1] not in _BY_NAME:
        return entry
    protocol = words[action + 1]
    out, index = words[:action + 2], action + 2
    while index < len(words):
        word, count = words[index], _OPERANDS.get(words[index], 0)
        out += [word, *(convert(protocol, w) for w in words[index + 1:index + 1 + count])]
        index += 1 + count
    return " ".join(out)


def _as_number(protocol: str, word: str) -> str:
    value = number(protocol, word)
    return word if value is None else str(value)


def acl_numbered(entry: str) -> str:
    """An extended ACL entry with its port names as numbers, as netorch renders it.

    >>> acl_numbered("10 permit tcp host 10.0.0.1 eq bgp host 10.0.0.0")
    '10 permit tcp host 10.0.0.1 eq 179 host 10.0.0.0'
    >>> acl_numbered("permit udp any any range bootps bootpc"), acl_numbered("permit ip any any")
    ('permit udp any any range 67 68', 'permit ip any any')
    """
    return _acl_ports(entry, _as_number)


def acl_named(entry: str) -> str:
    """An extended ACL entry as IOS shows it: its ports by name where they have one.

    >>> acl_named("permit tcp host 10.0.0.1 host 10.0.0.0 eq 179")
    'permit tcp host 10.0.0.1 host 10.0.0.0 eq bgp'
    >>> acl_named("permit udp host 10.0.0.1 host 10.0.0.0 eq 3784")
    'permit udp host 10.0.0.1 host 10.0.0.0 eq 3784'
    """
    return _acl_ports(entry, named)
