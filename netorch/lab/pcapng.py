"""Reading what `dumpcap` wrote (pcapng) as IPv4 packets: interface, addresses, port.

Just enough of the pcapng format (draft-ietf-opsawg-pcapng: Section Header, Interface
Description and Enhanced Packet blocks) for the lab's captures: dumpcap starts in a
tenth of a second where tshark, loading every dissector, takes seconds on a busy
machine. Link types: Ethernet (the lab's VXLAN and veth devices), raw IPv4, Linux
cooked v1 and v2.
"""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass
from pathlib import Path

from netorch.lab.labpolicy import Probe

SHB, IDB, EPB = 0x0A0D0D0A, 0x00000001, 0x00000006
BYTE_ORDER = 0x1A2B3C4D
IF_NAME = 2
ETHERNET, RAW, RAW_IPV4, SLL, SLL2 = 1, 101, 228, 113, 276
_L2 = {RAW: 0, RAW_IPV4: 0, SLL: 16, SLL2: 20}
PROTOCOLS = {1: "icmp", 6: "tcp", 17: "udp"}


@dataclass(frozen=True)
class Packet:
    interface: str
    src: str
    dst: str
    protocol: str   # tcp | udp | icmp | the IP protocol number
    port: int       # destination port (0: none, or not the first fragment)

    def carries(self, src: ipaddress.IPv4Address, dst: ipaddress.IPv4Address, probe: Probe
                ) -> bool:
        """A packet of the flow `src` -> `dst` of `probe`."""
        return (self.src == str(src) and self.dst == str(dst)
                and self.protocol == probe.protocol and self.port == probe.port)


def read(path: Path) -> list[Packet]:
    """The IPv4 packets of a pcapng file (missing or cut short: what could be read)."""
    data = path.read_bytes() if path.exists() else b""
    return parse(data)


def parse(data: bytes) -> list[Packet]:
    r"""The IPv4 packets of pcapng `data`.

    >>> ip = bytes([0x45, 0, 0, 40, 0, 0, 0, 0, 64, 6, 0, 0, 10, 1, 0, 9, 10, 2, 0, 9,
    ...             0x30, 0x39, 0x01, 0xBB]) + bytes(16)
    >>> parse(_block(SHB, struct.pack("<IHHq", BYTE_ORDER, 1, 0, -1))
    ...       + _block(IDB, struct.pack("<HHI", RAW, 0, 0) + _option(IF_NAME, b"vx3"))
    ...       + _block(EPB, struct.pack("<IIIII", 0, 0, 0, len(ip), len(ip)) + _pad(ip)))
    [Packet(interface='vx3', src='10.1.0.9', dst='10.2.0.9', protocol='tcp', port=443)]
    """
    order, pos = "<", 0
    interfaces: list[tuple[str, int]] = []
    packets: list[Packet] = []
    while pos + 12 <= len(data):
        kind, length = struct.unpack_from(f"{order}II", data, pos)
        if kind == SHB:
            order = "<" if struct.unpack_from("<I", data, pos + 8)[0] == BYTE_ORDER else ">"
            kind, length = struct.unpack_from(f"{order}II", data, pos)
            interfaces = []
        if length < 12 or pos + length > len(data):
            break
        body = data[pos + 8:pos + length - 4]
        if kind == IDB and len(body) >= 8:
            link = struct.unpack_from(f"{order}H", body)[0]
            interfaces.append((_if_name(body[8:], order) or f"if{len(interfaces)}", link))
        elif kind == EPB and len(body) >= 20:
            packet = _packet(body, order, interfaces)
            if packet is not None:
                packets.append(packet)
        pos += length
    return packets


def _if_name(options: bytes, order: str) -> str:
    pos = 0
    while pos + 4 <= len(options):
        code, size = struct.unpack_from(f"{order}HH", options, pos)
        if code == 0:
            break
        if code == IF_NAME:
            return options[pos + 4:pos + 4 + size].rstrip(b"\0").decode(errors="replace")
        pos += 4 + size + (-size % 4)
    return ""


def _packet(body: bytes, order: str, interfaces: list[tuple[str, int]]) -> Packet | None:
    index, _, _, captured, _ = struct.unpack_from(f"{order}IIIII", body)
    if index >= len(interfaces):
        return None
    name, link = interfaces[index]
    frame = body[20:20 + captured]
    offset = _ip_offset(frame, link)
    return None if offset is None else ipv4(name, frame[offset:])


def _ip_offset(frame: bytes, link: int) -> int | None:
    if link in _L2:
        return _L2[link]
    if link != ETHERNET or len(frame) < 14:
        return None
    offset, ethertype = 14, struct.unpack_from("!H", frame, 12)[0]
    while ethertype in (0x8100, 0x88A8) and len(frame) >= offset + 4:
        ethertype = struct.unpack_from("!H", frame, offset + 2)[0]
        offset += 4
    return offset if ethertype == 0x0800 else None


def ipv4(interface: str, packet: bytes) -> Packet | None:
    if len(packet) < 20 or packet[0] >> 4 != 4:
        return None
    head = (packet[0] & 0x0F) * 4
    number = packet[9]
    first_fragment = struct.unpack_from("!H", packet, 6)[0] & 0x1FFF == 0
    port = 0
    if number in (6, 17) and first_fragment and len(packet) >= head + 4:
        port = struct.unpack_from("!H", packet, head + 2)[0]
    return Packet(interface, str(ipaddress.IPv4Address(packet[12:16])),
                  str(ipaddress.IPv4Address(packet[16:20])),
                  PROTOCOLS.get(number, str(number)), port)


def _pad(data: bytes) -> bytes:
    return data + bytes(-len(data) % 4)


def _option(code: int, value: bytes) -> bytes:
    return struct.pack("<HH", code, len(value)) + _pad(value) + struct.pack("<HH", 0, 0)


def _block(kind: int, body: bytes) -> bytes:
    """One little-endian block (for tests)."""
    length = 12 + len(body)
    return struct.pack("<II", kind, length) + body + struct.pack("<I", length)
