"""Measurements on a running lab: an underlay capture and a failover/failback timing.

The capture runs tshark in the underlay namespace (bounded by packet count and
duration); failover cuts a device's link at its underlay bridge port, the way a
WAN fault looks to the device, and times the route switch and the ping gap.
"""

from __future__ import annotations

import ipaddress
import itertools
import json
import re
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from netorch.lab import netbuild, sh
from netorch.lab.spec import LabSpec

_TS_RE = re.compile(r"^\[(?P<ts>\d+\.\d+)\] \d+ bytes from")


@dataclass(frozen=True)
class Capture:
    packets: int
    udp_4500: int
    esp: int
    cleartext: int          # packets whose outer src and dst are both LAN addresses
    examples: tuple[str, ...]

    @property
    def encrypted_only(self) -> bool:
        return (self.udp_4500 + self.esp) > 0 and self.cleartext == 0


@dataclass(frozen=True)
class Failover:
    switch_s: float         # cut -> route via the backup underlay (-1: never)
    ping_gap_s: float       # largest gap between two ping replies across the cut
    lost: int
    failback_s: float       # restore -> route via the primary again (-1: never)
    failback_lost: int


def capture(spec: LabSpec, lans: Sequence[str], traffic: Callable[[], object],
            duration: int = 4, count: int = 2000) -> Capture:
    """Capture on every underlay bridge while `traffic()` runs; classify what was seen."""
    argv = sh.in_ns(spec.underlay_ns, [
        "tshark", "-n", "-l", *(a for b in spec.bridges.values() for a in ("-i", b)),
        "-a", f"duration:{duration}", "-c", str(count), "-f", "ip",
        "-T", "fields", "-E", "separator=|", "-e", "ip.src", "-e", "ip.dst",
        "-e", "udp.dstport", "-e", "esp.spi"])
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_capturing(proc)
        traffic()
        out, _ = proc.communicate(timeout=duration + 10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return _classify(out, [ipaddress.IPv4Network(p) for p in lans])


def _wait_capturing(proc: subprocess.Popen[str]) -> None:
    """tshark says 'Capturing on ...' on stderr once it listens (bounded: 10 s)."""
    assert proc.stderr is not None
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line or "Capturing on" in line:
            return


def _classify(out: str, lans: list[ipaddress.IPv4Network]) -> Capture:
    packets = udp = esp = clear = 0
    examples: list[str] = []
    for line in out.splitlines():
        fields = line.split("|")
        if len(fields) < 4:
            continue
        packets += 1
        src, dst = fields[0].split(",")[0], fields[1].split(",")[0]
        udp += "4500" in fields[2].split(",")
        esp += bool(fields[3])
        inner = list(zip(fields[0].split(","), fields[1].split(","), strict=False))
        if any(_in(s, lans) and _in(d, lans) for s, d in inner):
            clear += 1
            if len(examples) < 5:
                examples.append(f"{src} > {dst}")
    return Capture(packets, udp, esp, clear, tuple(examples))


def _in(addr: str, nets: list[ipaddress.IPv4Network]) -> bool:
    try:
        ip = ipaddress.IPv4Address(addr)
    except ValueError:
        return False
    return any(ip in n for n in nets)


def route_gateways(ns: str, prefix: str) -> set[str]:
    """The next hops the kernel uses for `prefix` in `ns` (empty if no route)."""
    out = sh.run(["ip", "-n", ns, "-j", "route", "show", prefix], check=False).stdout
    routes = json.loads(out or "[]")
    if not routes:
        return set()
    hops = routes[0].get("nexthops", [routes[0]])
    return {str(h["gateway"]) for h in hops if "gateway" in h}


def wait_route(ns: str, prefix: str, via: set[str], timeout: float) -> float:
    """Seconds until `prefix` goes via one of `via` (polled every 10 ms), -1 on timeout."""
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        if route_gateways(ns, prefix) & via:
            return time.monotonic() - began
        time.sleep(0.01)
    return -1.0


def failover(spec: LabSpec, device: str, underlay: str, host_ns: str, target: str,
             prefix: str, primary: set[str], backup: set[str]) -> Failover:
    """Cut `device`'s `underlay` link under a 100 pings/s flow, then restore it."""
    pinger = _start_ping(host_ns, target, seconds=6)
    try:
        time.sleep(1.0)
        netbuild.set_link(spec, device, underlay, up=False)
        switch = wait_route(spec.device(device).ns, prefix, backup, timeout=15)
        gap, lost = _ping_result(pinger, 20)
    finally:
        if pinger.poll() is None:
            pinger.kill()
            pinger.communicate()
        netbuild.set_link(spec, device, underlay, up=True)
    pinger = _start_ping(host_ns, target, seconds=8)
    back = wait_route(spec.device(device).ns, prefix, primary, timeout=30)
    _, back_lost = _ping_result(pinger, 20)
    return Failover(switch, gap, lost, back, back_lost)


def _start_ping(ns: str, target: str, seconds: int) -> subprocess.Popen[str]:
    count = seconds * 100
    return subprocess.Popen(sh.in_ns(ns, ["ping", "-n", "-D", "-i", "0.01", "-c", str(count),
                                          "-W", "1", "-w", str(seconds + 2), target]),
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


def _ping_result(proc: subprocess.Popen[str], timeout: float) -> tuple[float, int]:
    """The largest gap between replies and the number of lost probes."""
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    stamps = [float(m["ts"]) for m in map(_TS_RE.match, out.splitlines()) if m]
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    sent = re.search(r"(\d+) packets transmitted, (\d+) received", out)
    lost = int(sent.group(1)) - int(sent.group(2)) if sent else -1
    return (max(gaps) if gaps else -1.0), lost
