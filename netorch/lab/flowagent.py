"""The lab's flow agent: listeners and probes in the lab's network namespaces.

`labflows` runs this file as a script (`python -I flowagent.py listen|probe`), so it
imports only the standard library and nothing of netorch. One process serves many
namespaces: it enters each named one (`setns(2)` on `/var/run/netns/NAME`, where `ip
netns` keeps them) just to open a socket there; a socket stays in the namespace it was
opened in, so one event loop then serves them all.

- `listen [--lifetime S] --netns NS [--netns NS ...] tcp/N udp/N ...`: binds every
  port on all addresses in every namespace, prints `ready`, then accepts and closes TCP
  connections and echoes UDP datagrams, until killed or `--lifetime` seconds (default
  600) have passed.
- `spoof --netns NS --src A --dst B --port N [--count C]`: in namespace NS (a device's:
  an intruder with root on it), sends C UDP datagrams to B:N whose IPv4 source is A, an
  address that is not its own, on a raw socket (`IPPROTO_RAW`, which implies
  `IP_HDRINCL`: raw(7), "the source address ... filled in when zero", so a non-zero one is
  sent as it is); routed by B like any packet the device sends. Prints `{"sent": C}`.
- `probe [--timeout S] [--inflight N]`: reads a JSON list of `[namespace, address,
  protocol, port]` (protocol tcp, udp or icmp; port 0 for icmp) on stdin and prints one
  JSON object per probe, in order: `{"outcome": ..., "by": ...}`. Outcomes: `open` (TCP
  handshake done, UDP echo or ICMP echo reply received), `refused` (a TCP RST, or an ICMP
  port unreachable: the packet reached a host), `unreachable` (an ICMP error; `by` is the
  address that sent it, from the socket's error queue, IP_RECVERR), `timeout` (nothing
  within `--timeout` seconds; TCP retransmits its SYN, UDP and ICMP send again every
  0.5 s). At most `--inflight` probes are under way at once; every probe ends by its
  timeout, so a run of P probes takes at most about P / inflight x timeout seconds.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import errno
import json
import os
import resource
import selectors
import socket
import struct
import sys
import time
from dataclasses import dataclass, field

IP_RECVERR = getattr(socket, "IP_RECVERR", 11)
RESEND = 0.5
PAYLOAD = b"netorch-lab-probe"
REFUSED = (errno.ECONNREFUSED, errno.ECONNRESET)
_ERR = struct.Struct("=IBBBBII")  # struct sock_extended_err
ICMP_ECHO, ICMP_REPLY = 8, 0
ICMP_ERRORS = (3, 11)  # destination unreachable, time exceeded
NETNS_DIR = "/var/run/netns"  # where `ip netns add` binds a namespace (iproute2)
CLONE_NEWNET = 0x40000000


class Namespaces:
    """Entering network namespaces by name ('': the one this process started in)."""

    def __init__(self) -> None:
        self.libc = ctypes.CDLL(None, use_errno=True)
        self.fds = {"": os.open("/proc/self/ns/net", os.O_RDONLY)}
        self.current = ""

    def enter(self, name: str) -> None:
        if name == self.current:
            return
        if name not in self.fds:
            if "/" in name or name.startswith("."):
                raise ValueError(f"not a namespace name: {name!r}")
            self.fds[name] = os.open(f"{NETNS_DIR}/{name}", os.O_RDONLY)
        if int(self.libc.setns(self.fds[name], CLONE_NEWNET)) != 0:
            code = ctypes.get_errno()
            raise OSError(code, f"setns {name}: {os.strerror(code)}")
        self.current = name


def listen(namespaces: list[str], specs: list[str], lifetime: float) -> None:
    sel = selectors.DefaultSelector()
    netns = Namespaces()
    for ns in namespaces or [""]:
        netns.enter(ns)
        for spec in specs:
            _bind(sel, spec)
    netns.enter("")
    print("ready", flush=True)
    deadline = time.monotonic() + lifetime
    while (left := deadline - time.monotonic()) > 0:
        for key, _ in sel.select(min(left, 1.0)):
            _serve(key.fileobj, key.data)  # type: ignore[arg-type]


def _bind(sel: selectors.BaseSelector, spec: str) -> None:
    proto, port = spec.split("/")
    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    sock = socket.socket(socket.AF_INET, kind)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("0.0.0.0", int(port)))  # every address of a lab test host
    if proto == "tcp":
        sock.listen(512)
    sock.setblocking(False)
    sel.register(sock, selectors.EVENT_READ, proto)


def _serve(sock: socket.socket, proto: str) -> None:
    try:
        if proto == "tcp":
            conn, _ = sock.accept()
            conn.close()
        else:
            data, peer = sock.recvfrom(2048)
            sock.sendto(data, peer)
    except OSError:
        pass


def checksum(data: bytes) -> int:
    """The Internet checksum (RFC 1071).

    >>> hex(checksum(bytes([8, 0, 0, 0, 0x12, 0x34, 0, 1])))
    '0xe5ca'
    """
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return int(~total & 0xFFFF)


def echo_request(ident: int, seq: int) -> bytes:
    head = struct.pack("!BBHHH", ICMP_ECHO, 0, 0, ident, seq)
    return struct.pack("!BBHHH", ICMP_ECHO, 0, checksum(head + PAYLOAD), ident, seq) + PAYLOAD


def offender(sock: socket.socket) -> str:
    """Who sent the ICMP error queued on `sock` ('' if none)."""
    try:
        _, ancillary, _, _ = sock.recvmsg(1, 512, socket.MSG_ERRQUEUE)
    except OSError:
        return ""
    for level, kind, data in ancillary:
        if level == socket.IPPROTO_IP and kind == IP_RECVERR and len(data) >= _ERR.size + 8:
            return socket.inet_ntoa(data[_ERR.size + 4:_ERR.size + 8])
    return ""


@dataclass
class Flight:
    """One probe under way."""

    index: int
    ns: str
    address: str
    proto: str
    port: int
    began: float
    sent: float
    sock: socket.socket | None = None
    result: dict[str, str] = field(default_factory=dict)


class Prober:
    """Every probe of a run, at most `inflight` at once, over one selector."""

    def __init__(self, timeout: float, inflight: int) -> None:
        self.timeout = timeout
        self.inflight = inflight
        self.sel = selectors.DefaultSelector()
        self.ident = os.getpid() & 0xFFFF
        self.netns = Namespaces()
        self.raw: dict[str, socket.socket] = {}  # namespace -> its raw ICMP socket
        self.flying: dict[int, Flight] = {}

    def run(self, probes: list[tuple[str, str, str, int]]) -> list[dict[str, str]]:
        results: list[dict[str, str]] = [{} for _ in probes]
        waiting = list(enumerate(probes))[::-1]
        while waiting or self.flying:
            while waiting and len(self.flying) < self.inflight:
                index, (ns, address, proto, port) = waiting.pop()
                self._start(Flight(index, ns, address, proto, port, time.monotonic(), 0.0))
            for key, _ in self.sel.select(self._next_wait()):
                self._event(key.data)
            self._expire()
            for flight in [f for f in self.flying.values() if f.result]:
                self._finish(flight, results)
        return results

    def _next_wait(self) -> float:
        now = time.monotonic()
        ends = [f.began + self.timeout if f.proto == "tcp" else
                min(f.began + self.timeout, f.sent + RESEND) for f in self.flying.values()]
        return max(0.0, min(ends, default=now) - now)

    def _start(self, flight: Flight) -> None:
        self.flying[flight.index] = flight
        self.netns.enter(flight.ns)
        if flight.proto == "icmp":
            self._icmp_socket(flight.ns)
            self._send(flight)
            return
        kind = socket.SOCK_STREAM if flight.proto == "tcp" else socket.SOCK_DGRAM
        sock = socket.socket(socket.AF_INET, kind)
        sock.setsockopt(socket.IPPROTO_IP, IP_RECVERR, 1)
        sock.setblocking(False)
        flight.sock = sock
        code = sock.connect_ex((flight.address, flight.port))
        if code not in (0, errno.EINPROGRESS):
            self._failed(flight, code)
            return
        self.sel.register(sock, selectors.EVENT_WRITE if flight.proto == "tcp"
                          else selectors.EVENT_READ, flight.index)
        self._send(flight)

    def _icmp_socket(self, ns: str) -> None:
        """The namespace's raw ICMP socket (opened in it: the caller entered it)."""
        if ns not in self.raw:
            raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
            raw.setblocking(False)
            self.raw[ns] = raw
            self.sel.register(raw, selectors.EVENT_READ, ("icmp", ns))

    def _send(self, flight: Flight) -> None:
        flight.sent = time.monotonic()
        try:
            if flight.proto == "icmp":
                self.raw[flight.ns].sendto(echo_request(self.ident, flight.index & 0xFFFF),
                                           (flight.address, 0))
            elif flight.proto == "udp" and flight.sock is not None:
                flight.sock.send(PAYLOAD)
        except OSError as exc:
            self._failed(flight, exc.errno or errno.EIO)

    def _event(self, index: int | tuple[str, str]) -> None:
        if isinstance(index, tuple):
            self._icmp_read(index[1])
            return
        flight = self.flying.get(index)
        if flight is None or flight.sock is None or flight.result:
            return
        if flight.proto == "tcp":
            code = flight.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if code:
                self._failed(flight, code)
            else:
                self._done(flight, "open")
            return
        try:
            flight.sock.recv(2048)
        except OSError as exc:
            self._failed(flight, exc.errno or errno.EIO)
            return
        self._done(flight, "open")

    def _icmp_read(self, ns: str) -> None:
        while True:
            try:
                packet, (sender, _) = self.raw[ns].recvfrom(4096)
            except OSError:
                return
            matched = icmp_match(packet, self.ident)
            if matched is None:
                continue
            seq, kind = matched
            for flight in self.flying.values():
                if (flight.proto == "icmp" and flight.ns == ns and flight.index & 0xFFFF == seq
                        and not flight.result):
                    if kind == "open" and sender == flight.address:
                        self._done(flight, "open")
                    elif kind == "error":
                        self._done(flight, "unreachable", sender)

    def _failed(self, flight: Flight, code: int) -> None:
        if code in REFUSED:
            by = offender(flight.sock) if flight.sock is not None else ""
            self._done(flight, "refused", by)
        else:
            self._done(flight, "unreachable",
                       offender(flight.sock) if flight.sock is not None else "")

    def _done(self, flight: Flight, outcome: str, by: str = "") -> None:
        flight.result = {"outcome": outcome, "by": by}

    def _expire(self) -> None:
        now = time.monotonic()
        for flight in list(self.flying.values()):
            if flight.result:
                continue
            if now - flight.began >= self.timeout:
                self._done(flight, "timeout")
            elif flight.proto != "tcp" and now - flight.sent >= RESEND:
                self._send(flight)

    def _finish(self, flight: Flight, results: list[dict[str, str]]) -> None:
        results[flight.index] = flight.result
        del self.flying[flight.index]
        if flight.sock is not None:
            with contextlib.suppress(KeyError, ValueError):
                self.sel.unregister(flight.sock)
            flight.sock.close()


def icmp_match(packet: bytes, ident: int) -> tuple[int, str] | None:
    """(sequence, 'open' | 'error') of an IPv4 packet answering one of our echo
    requests: its echo reply, or an ICMP error quoting it; None otherwise.

    >>> reply = bytes([0x45]) + bytes(19) + bytes([0, 0, 0, 0, 0x12, 0x34, 0, 7])
    >>> icmp_match(reply, 0x1234)
    (7, 'open')
    """
    if len(packet) < 28:
        return None
    head = (packet[0] & 0x0F) * 4
    kind = packet[head]
    if kind == ICMP_REPLY:
        got, seq = struct.unpack("!HH", packet[head + 4:head + 8])
        return (seq, "open") if got == ident else None
    if kind not in ICMP_ERRORS or len(packet) < head + 8 + 28:
        return None
    inner = head + 8
    quoted = inner + (packet[inner] & 0x0F) * 4
    if packet[inner + 9] != socket.IPPROTO_ICMP or len(packet) < quoted + 8:
        return None
    if packet[quoted] != ICMP_ECHO:
        return None
    got, seq = struct.unpack("!HH", packet[quoted + 4:quoted + 8])
    return (seq, "error") if got == ident else None


def forged_udp(src: str, dst: str, sport: int, dport: int, payload: bytes = PAYLOAD
               ) -> bytes:
    """An IPv4 UDP datagram from `src` to `dst`, checksums filled in (UDP's over the
    RFC 768 pseudo-header; a computed 0 is sent as 0xFFFF).

    >>> packet = forged_udp("10.3.255.254", "10.1.255.254", 40000, 53)
    >>> len(packet), checksum(packet[:20]), packet[12:16] == socket.inet_aton("10.3.255.254")
    (45, 0, True)
    """
    source, dest = socket.inet_aton(src), socket.inet_aton(dst)
    length = 8 + len(payload)
    pseudo = source + dest + struct.pack("!BBH", 0, socket.IPPROTO_UDP, length)
    udp_sum = checksum(pseudo + struct.pack("!HHHH", sport, dport, length, 0) + payload)
    udp = struct.pack("!HHHH", sport, dport, length, udp_sum or 0xFFFF) + payload
    head = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + length, sport, 0x4000, 64,
                       socket.IPPROTO_UDP, 0, source, dest)
    head = head[:10] + struct.pack("!H", checksum(head)) + head[12:]
    return head + udp


def spoof(ns: str, src: str, dst: str, port: int, count: int) -> int:
    """`count` forged datagrams (the module's docstring), 0.3 s apart; how many were sent."""
    Namespaces().enter(ns)
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    sport = 32768 + os.getpid() % 28000
    sent = 0
    for i in range(count):
        if i:
            time.sleep(0.3)
        with contextlib.suppress(OSError):
            sock.sendto(forged_udp(src, dst, sport, port), (dst, 0))
            sent += 1
    sock.close()
    return sent


def raise_file_limit() -> None:
    """Open files up to the hard limit: a listener holds ports x hosts sockets."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def main(argv: list[str]) -> int:
    raise_file_limit()
    parser = argparse.ArgumentParser(prog="flowagent")
    sub = parser.add_subparsers(dest="action", required=True)
    listener = sub.add_parser("listen")
    listener.add_argument("--lifetime", type=float, default=600.0)
    listener.add_argument("--netns", action="append", default=[])
    listener.add_argument("ports", nargs="+")
    prober = sub.add_parser("probe")
    prober.add_argument("--timeout", type=float, default=2.0)
    prober.add_argument("--inflight", type=int, default=256)
    forger = sub.add_parser("spoof")
    forger.add_argument("--netns", required=True)
    forger.add_argument("--src", required=True)
    forger.add_argument("--dst", required=True)
    forger.add_argument("--port", type=int, required=True)
    forger.add_argument("--count", type=int, default=3)
    args = parser.parse_args(argv)
    if args.action == "listen":
        listen(args.netns, args.ports, args.lifetime)
        return 0
    if args.action == "spoof":
        print(json.dumps({"sent": spoof(args.netns, args.src, args.dst, args.port,
                                        args.count)}))
        return 0
    probes = [(str(ns), str(a), str(p), int(n)) for ns, a, p, n in json.load(sys.stdin)]
    for result in Prober(args.timeout, args.inflight).run(probes):
        print(json.dumps(result), flush=False)
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
