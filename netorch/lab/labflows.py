"""Flows through the running lab: listeners on LAN test hosts, probes from them, and
a capture on a device's tunnel interfaces. Used by the `policy` and `compromise` checks.

Listeners and probes are `flowagent.py`, which opens each socket inside the namespace it
belongs to (setns), so one process serves every host: one listener process (every TCP
and UDP port of the policy's probes, on every host), started once and killed by its PID
at the end; one probe process per run, at most `INFLIGHT` probes under way, each ending
after `TIMEOUT` s. So a run is bounded by its probe count, not by the fabric's answers.
Captures are `dumpcap`'s (it starts in a tenth of a second), read by `pcapng`. The
named counters of a device's own nftables table say where packets were dropped
(`counter`); `spoof` sends datagrams with a forged source from a device itself.
"""

from __future__ import annotations

import contextlib
import json
import select
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address
from pathlib import Path

from netorch.lab import pcapng, sh
from netorch.lab.errors import LabError
from netorch.lab.labpolicy import Flow, Probe
from netorch.lab.pcapng import Packet
from netorch.lab.spec import LabDevice, LabHost, LabSpec
from netorch.platforms.linux_strongswan import PLATFORM

TABLE = PLATFORM.owned["name"]  # a device's own nftables table: `table inet netorch`

AGENT = Path(__file__).with_name("flowagent.py")
TIMEOUT = 2.0          # seconds a probe waits (a SYN is sent again after 1 s)
RETRY_TIMEOUT = 4.0    # for allowed flows that did not get through the first time
INFLIGHT = 512
LISTEN_LIFETIME = 900  # a listener exits by itself after this, whatever happens here
READY_TIMEOUT = 30.0
CAPTURE_LIMIT = 60     # seconds a capture runs at most
CAPTURE_PACKETS = 5000
SPOOF_COUNT = 3        # forged datagrams per attempt, 0.3 s apart


@dataclass(frozen=True)
class Outcome:
    outcome: str   # open | refused | unreachable | timeout | error
    by: str = ""   # who sent the ICMP error or reset ('' if unknown)


def agent(*args: str) -> list[str]:
    return [sys.executable, "-I", str(AGENT), *args]


@contextlib.contextmanager
def listening(hosts: Iterable[LabHost], probes: Iterable[Probe]) -> Iterator[None]:
    """A listener on every TCP and UDP port of `probes` in every host, for the block."""
    ports = sorted({str(p) for p in probes if p.protocol in ("tcp", "udp")})
    where = [a for ns in dict.fromkeys(h.ns for h in hosts) for a in ("--netns", ns)]
    if not ports or not where:
        yield
        return
    proc = subprocess.Popen(agent("listen", "--lifetime", str(LISTEN_LIFETIME), *where,
                                  *ports),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _ready(proc)
        yield
    finally:
        _stop(proc)


def _ready(proc: subprocess.Popen[str]) -> None:
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], READY_TIMEOUT)
    line = proc.stdout.readline() if ready else ""
    if line.strip() != "ready":
        if proc.poll() is None:
            proc.kill()
        _, err = proc.communicate(timeout=5)
        raise LabError("the listeners on the LAN test hosts did not start: "
                       f"{(err.strip().splitlines() or ['no answer'])[-1]}")


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.communicate(timeout=5)


def probe(targets: Sequence[tuple[LabHost, IPv4Address, Probe]], timeout: float = TIMEOUT
          ) -> list[Outcome]:
    """Every probe, each from its host's namespace; one outcome per target, in order."""
    if not targets:
        return []
    rounds = -(-len(targets) // INFLIGHT)
    payload = json.dumps([[h.ns, str(a), p.protocol, p.port] for h, a, p in targets])
    try:
        out = sh.run(agent("probe", "--timeout", str(timeout), "--inflight", str(INFLIGHT)),
                     stdin=payload, check=False, timeout=rounds * (timeout + 1) + 30)
    except LabError:
        return [Outcome("error", "the probe process timed out")] * len(targets)
    lines = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    if len(lines) != len(targets):
        why = (out.stderr.strip().splitlines() or ["no output"])[-1]
        return [Outcome("error", why)] * len(targets)
    return [Outcome(r["outcome"], r["by"]) for r in lines]


def run_flows(spec: LabSpec, flows: Sequence[Flow], timeout: float = TIMEOUT
              ) -> dict[Flow, Outcome]:
    """Every flow from its source site's LAN test host to its destination's."""
    hosts = {h.site: h for h in spec.hosts}
    outcomes = probe([(hosts[f.src], hosts[f.dst].address, f.probe) for f in flows], timeout)
    return dict(zip(flows, outcomes, strict=True))


def spoof(ns: str, src: IPv4Address, dst: IPv4Address, probe: Probe,
          count: int = SPOOF_COUNT) -> int:
    """`count` UDP datagrams of `probe` to `dst` sent from namespace `ns` (a device or a
    LAN test host) with the forged source `src` (flowagent's `spoof`: a raw socket, as
    an intruder with root there); how many were sent."""
    out = sh.run(agent("spoof", "--netns", ns, "--src", str(src), "--dst", str(dst),
                       "--port", str(probe.port), "--count", str(count)),
                 check=False, timeout=count + 30)
    try:
        return int(json.loads(out.stdout.strip().splitlines()[-1])["sent"])
    except (IndexError, KeyError, ValueError):
        return 0


def counter(dev: LabDevice, name: str) -> int | None:
    """The packet count of the named counter `name` of the device's own table `inet
    netorch` (None: no such counter, or no table)."""
    out = sh.run(sh.in_ns(dev.ns, ["nft", "-j", "list", "counter", "inet", TABLE, name]),
                 check=False)
    if not out.ok:
        return None
    for item in json.loads(out.stdout or "{}").get("nftables", []):
        if "counter" in item:
            return int(item["counter"].get("packets", 0))
    return None


def counters(devices: Iterable[LabDevice], name: str) -> dict[str, int | None]:
    """`counter` of each device, by name."""
    return {d.name: counter(d, name) for d in devices}


def moved(before: dict[str, int | None], after: dict[str, int | None]) -> dict[str, int]:
    """The counters that went up, and by how much."""
    return {name: now - was for name, was in before.items()
            if was is not None and (now := after.get(name)) is not None and now > was}


def tunnel_ifnames(dev: LabDevice) -> list[str]:
    """The device's tunnel interfaces (the lab's VXLAN devices)."""
    out = sh.run(["ip", "-n", dev.ns, "-j", "link", "show", "type", "vxlan"], check=False)
    return sorted(str(link["ifname"]) for link in json.loads(out.stdout or "[]"))


def captures(jobs: Sequence[tuple[str, Sequence[str], str]], during: Callable[[], object],
             limit: int = CAPTURE_LIMIT) -> list[list[Packet]]:
    """Captures at once, each `dumpcap` in a namespace on some interfaces with a capture
    filter (`jobs`), while `during()` runs once; each stops a second after it (SIGINT:
    dumpcap closes its file), or after `limit` s or CAPTURE_PACKETS packets."""
    with tempfile.TemporaryDirectory(prefix="netorch-lab-capture-") as tmp:
        files = [Path(tmp) / f"{i}.pcapng" for i in range(len(jobs))]
        started: list[subprocess.Popen[str]] = []
        try:
            for (ns, interfaces, bpf), path in zip(jobs, files, strict=True):
                started.append(_start_capture(ns, interfaces, bpf, path, limit))
            for proc in started:
                _wait_capturing(proc)
            during()
            time.sleep(1.0)  # what is still on its way through userspace ESP
            for proc in started:
                _finish_capture(proc)
        finally:
            for proc in started:
                _stop(proc)
        return [pcapng.read(path) for path in files]


def _start_capture(ns: str, interfaces: Sequence[str], bpf: str, path: Path, limit: int
                   ) -> subprocess.Popen[str]:
    # -f before every -i: the default filter of all of them (after an -i, only its own)
    argv = sh.in_ns(ns, ["dumpcap", "-q", "-n", "-f", bpf,
                         *(a for i in interfaces for a in ("-i", i)),
                         "-a", f"duration:{limit}", "-c", str(CAPTURE_PACKETS),
                         "-w", str(path)])
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)


def _wait_capturing(proc: subprocess.Popen[str]) -> None:
    """dumpcap says 'Capturing on ...' on stderr once it listens (bounded: 20 s)."""
    assert proc.stderr is not None
    deadline = time.monotonic() + 20
    while (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([proc.stderr], [], [], left)
        line = proc.stderr.readline() if ready else ""
        if not line or "Capturing on" in line:
            return


def _finish_capture(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    try:
        proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
