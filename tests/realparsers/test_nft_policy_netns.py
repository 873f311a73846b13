"""The segmentation policy's nftables rules enforced for real, in network namespaces
this test makes: the rules of cnsa-regional's na-r1 (as its interfaces.sh loads them)
in a router namespace whose "tunnels" are veths named like two of its XFRM interfaces
(with their plan /31s): xfrm0 to the hub (hub-r1: what is behind accepts
fabric-reach-2: the hub's and north-b's prefixes) and xfrm7 to its mesh peer north-b
(accepts north-b's own), and two LAN hosts.

Allowed TCP flows connect and their replies return (LAN->tunnel, tunnel->LAN,
tunnel->tunnel); denied ones time out; LAN->LAN is untouched; an operator's own table
stays; with the policy chain flushed (a device whose firewall is removed) a denied flow
connects, so the drop was the policy's. Sources are bound to where they enter: an
address the peer of a tunnel may not send (the hub's from north-b's mesh tunnel, south-a's
from the hub tunnel) and a LAN host claiming another site's address are dropped and
counted, although the policy would allow the flow from the real owner; an ICMP error
from the hub's tunnel address about a tracked flow still comes back. The router itself
takes BGP over a tunnel and what the rules open to its site, nothing else (counted),
and everything from its LAN.

na-r1 (north-a, zone police, 10.2.0.0/16) enforces rule-1 police -> org Courts B
(north-b, 10.3.0.0/16) https + tcp/8443-8444, rule-3 any -> site hub (10.1.0.0/16) dns
(tcp/53), rule-4 zone dc (hub) -> any ssh, and rule-2 (udp and icmp, not used here).
"""

from __future__ import annotations

import os
import re
import select
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from netorch import api
from netorch.render import RenderOptions

pytestmark = [pytest.mark.lab, pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("ip") or not shutil.which("nft"),
    reason="needs root, ip and nft")]
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "cnsa-regional.yaml"
DEVICE = "na-r1"
HEREDOC = re.compile(r"^nft -f - <<'NFT'\n(.*?)^NFT$", re.S | re.M)
PORTS = (22, 53, 443, 8443)
ROUTER_PORTS = (22, 179, 2222)   # listeners on the router itself
LAN, LAN2 = "10.2.0.10", "10.2.1.10"  # north-a's LANs, behind lan0 and lan1
ROUTER_LAN = "10.2.0.1"
HUB, HUB_GONE = "10.1.0.10", "10.1.0.99"  # behind xfrm0; the hub has no route to GONE
SOUTH_A = "10.4.0.10"             # behind xfrm0 too: not what the hub may send na-r1
NORTH_B = "10.3.0.10"             # behind xfrm7
FORGED_HUB = "10.1.0.11"          # a hub address north-b (xfrm7) or the LAN claims
ROUTER_XFRM0, HUB_XFRM0 = "100.64.0.1", "100.64.0.0"     # tunnel 0's /31 (plan)
ROUTER_XFRM7, NORTH_XFRM7 = "100.64.0.14", "100.64.0.15"  # tunnel 7's /31 (plan)
OPERATOR_TABLE = """table inet operator {
  chain keep {
    type filter hook forward priority 0; policy accept;
    counter
  }
}
"""
SERVER = """import selectors, socket, sys
sel = selectors.DefaultSelector()
for port in map(int, sys.argv[1:]):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port)); s.listen(8); sel.register(s, selectors.EVENT_READ)
print("ready", flush=True)
while True:
    for key, _ in sel.select(timeout=30):
        c, _ = key.fileobj.accept(); c.settimeout(2)
        try:
            if c.recv(4) == b"ping":
                c.sendall(b"pong")
        except OSError:
            pass
        c.close()
"""
CLIENT = """import errno, socket, sys
try:
    c = socket.create_connection((sys.argv[2], int(sys.argv[3])), timeout=float(sys.argv[4]),
                                 source_address=(sys.argv[1], 0))
    c.sendall(b"ping"); ok = c.recv(4) == b"pong"
except TimeoutError:
    sys.exit(3)
except OSError as exc:
    sys.exit(5 if exc.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH) else 3)
sys.exit(0 if ok else 4)
"""
ALLOWED_WAIT, DENIED_WAIT = 5.0, 1.0


@dataclass(frozen=True)
class Net:
    router: str
    lan: str
    lan2: str
    hub: str    # behind "xfrm0": the hub's addresses, and south-a's (not allowed there)
    north: str  # behind "xfrm7": north-b's, and a hub address it forges
    rules: str  # na-r1's nftables rules


def _ok(ns: str, *argv: str, stdin: str | None = None) -> str:
    done = subprocess.run(["ip", "netns", "exec", ns, *argv], input=stdin, text=True,
                          capture_output=True, check=False, timeout=20)
    assert done.returncode == 0, (argv, done.stderr)
    return done.stdout


def _link(router: str, ifname: str, ns: str, peer: str, ours: str, theirs: str) -> None:
    _ok(router, "ip", "link", "add", ifname, "type", "veth", "peer", "name", peer, "netns", ns)
    _ok(router, "ip", "addr", "add", ours, "dev", ifname)
    _ok(router, "ip", "link", "set", ifname, "up")
    _ok(ns, "ip", "addr", "add", theirs, "dev", peer)
    _ok(ns, "ip", "link", "set", peer, "up")
    _ok(ns, "ip", "link", "set", "lo", "up")
    _ok(ns, "ip", "route", "add", "default", "via", ours.partition("/")[0])


def _wire(net: Net) -> None:
    r = net.router
    _ok(r, "sysctl", "-qw", "net.ipv4.ip_forward=1")
    _link(r, "lan0", net.lan, "eth0", f"{ROUTER_LAN}/24", f"{LAN}/24")
    _link(r, "lan1", net.lan2, "eth0", "10.2.1.1/24", f"{LAN2}/24")
    _link(r, "xfrm0", net.hub, "eth0", f"{ROUTER_XFRM0}/31", f"{HUB_XFRM0}/31")
    _link(r, "xfrm7", net.north, "eth0", f"{ROUTER_XFRM7}/31", f"{NORTH_XFRM7}/31")
    for address in (HUB, SOUTH_A):
        _ok(net.hub, "ip", "addr", "add", f"{address}/32", "dev", "lo")
    _ok(net.hub, "sysctl", "-qw", "net.ipv4.ip_forward=1")  # a router: it answers for GONE
    _ok(net.hub, "ip", "route", "add", "unreachable", f"{HUB_GONE}/32")
    for address in (NORTH_B, FORGED_HUB):
        _ok(net.north, "ip", "addr", "add", f"{address}/32", "dev", "lo")
    _ok(net.lan, "ip", "addr", "add", f"{FORGED_HUB}/32", "dev", "lo")
    for prefix in ("10.1.0.0/16", "10.4.0.0/16"):
        _ok(r, "ip", "route", "add", prefix, "via", HUB_XFRM0)
    _ok(r, "ip", "route", "add", "10.3.0.0/16", "via", NORTH_XFRM7)


def _rules() -> str:
    plan = api.plan(api.load(FIXTURE))
    script = api.render(plan, redact=True, options=RenderOptions(),
                        devices={DEVICE})[DEVICE]["interfaces.sh"]
    found = HEREDOC.search(script)
    assert found is not None
    assert re.search(r'elements = \{ "xfrm0", "xfrm1", "xfrm7", "xfrm8" \}', found[1])
    return found[1]


def _server(ns: str, ports: tuple[int, ...] = PORTS) -> subprocess.Popen[str]:
    proc = subprocess.Popen(["ip", "netns", "exec", ns, sys.executable, "-c", SERVER,
                             *map(str, ports)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], 10)
    assert ready and proc.stdout.readline().strip() == "ready", f"server in {ns} not ready"
    return proc


@pytest.fixture(scope="module")
def net() -> Iterator[Net]:
    rules = _rules()
    tag = uuid.uuid4().hex[:6]
    names = [f"ntpol{tag}-{role}" for role in ("r", "l", "m", "h", "n")]
    servers: list[subprocess.Popen[str]] = []
    try:
        for ns in names:
            subprocess.run(["ip", "netns", "add", ns], check=True, timeout=20)
        router, lan, lan2, hub, north = names
        net = Net(router, lan, lan2, hub, north, rules)
        _wire(net)
        _ok(net.router, "nft", "-f", "-", stdin=OPERATOR_TABLE)
        _ok(net.router, "nft", "-f", "-", stdin=rules)
        _ok(net.router, "nft", "-f", "-", stdin=rules)  # a second run replaces it whole
        servers = [_server(ns) for ns in (net.lan, net.lan2, net.hub, net.north)]
        servers.append(_server(net.router, ROUTER_PORTS))
        yield net
    finally:
        for proc in servers:
            proc.kill()
            proc.wait(timeout=10)
        for ns in names:
            subprocess.run(["ip", "netns", "del", ns], check=False, timeout=20)


def _connect(ns: str, source: str, dest: str, port: int, wait: float) -> str:
    """open | timeout | unreachable (an ICMP error came back)."""
    done = subprocess.run(["ip", "netns", "exec", ns, sys.executable, "-c", CLIENT, source,
                           dest, str(port), str(wait)],
                          capture_output=True, text=True, check=False, timeout=wait + 15)
    assert done.returncode in (0, 3, 5), done.stderr
    return {0: "open", 3: "timeout", 5: "unreachable"}[done.returncode]


def _connects(ns: str, source: str, dest: str, port: int, wait: float) -> bool:
    return _connect(ns, source, dest, port, wait) == "open"


def _count(net: Net, counter: str) -> int:
    text = _ok(net.router, "nft", "list", "counter", "inet", "netorch", counter)
    packets = re.search(r"packets (\d+)", text)
    assert packets is not None, text
    return int(packets[1])


# (name, client namespace field, source, destination, port, allowed)
FLOWS = [
    ("lan-to-tunnel-https", "lan", LAN, NORTH_B, 443, True),
    ("lan-to-tunnel-port-range", "lan", LAN, NORTH_B, 8443, True),
    ("lan-to-tunnel-ssh-denied", "lan", LAN, NORTH_B, 22, False),
    ("tunnel-to-lan-https-denied", "north", NORTH_B, LAN, 443, False),
    ("tunnel-to-lan-ssh-from-dc", "hub", HUB, LAN, 22, True),
    ("tunnel-to-tunnel-dns-to-the-hub", "north", NORTH_B, HUB, 53, True),
    ("tunnel-to-tunnel-ssh-from-dc", "hub", HUB, NORTH_B, 22, True),
    ("tunnel-to-tunnel-reverse-denied", "hub", HUB, NORTH_B, 443, False),
    ("lan-to-lan-untouched", "lan", LAN, LAN2, 22, True),
    ("lan-to-lan-untouched-reverse", "lan2", LAN2, LAN, 8443, True),
]


@pytest.mark.parametrize(("client", "source", "dest", "port", "allowed"),
                         [f[1:] for f in FLOWS], ids=[f[0] for f in FLOWS])
def test_flow(net: Net, client: str, source: str, dest: str, port: int,
              allowed: bool) -> None:
    """An allowed flow connects and its reply (the "pong") returns; a denied one times out."""
    wait = ALLOWED_WAIT if allowed else DENIED_WAIT
    assert _connects(getattr(net, client), source, dest, port, wait) is allowed


# (name, client namespace field, forged source, destination, port, counter): flows the
# policy allows from the source's real owner, forged where it does not enter
SPOOFED = [
    ("the-mesh-peer-claims-the-hub", "north", FORGED_HUB, LAN, 22, "policy-spoofed-fabric"),
    ("the-hub-tunnel-carries-south-a-in-transit", "hub", SOUTH_A, NORTH_B, 443,
     "policy-spoofed-fabric"),
    ("the-lan-claims-the-hub", "lan", FORGED_HUB, NORTH_B, 22, "policy-spoofed-lan"),
]


@pytest.mark.parametrize(("client", "source", "dest", "port", "counter"),
                         [f[1:] for f in SPOOFED], ids=[f[0] for f in SPOOFED])
def test_a_forged_source_is_dropped_where_it_enters(net: Net, client: str, source: str,
                                                    dest: str, port: int,
                                                    counter: str) -> None:
    before, drops = _count(net, counter), _count(net, "policy-drops")
    assert _connect(getattr(net, client), source, dest, port, DENIED_WAIT) == "timeout"
    assert _count(net, counter) > before
    assert _count(net, "policy-drops") == drops, "the source check, not a rule, dropped it"


def test_an_icmp_error_from_a_tunnel_address_about_a_tracked_flow_returns(net: Net) -> None:
    """The hub (its tunnel /31, not in what it may send as a source) answers an allowed
    flow with host unreachable: it reaches the LAN host (PMTU and traceroute need it)."""
    before = _count(net, "policy-spoofed-fabric")
    assert _connect(net.lan, LAN, HUB_GONE, 53, ALLOWED_WAIT) == "unreachable"
    assert _count(net, "policy-spoofed-fabric") == before


# (name, client namespace field, source, router address, port, the counter of its drop
# or None: it reaches the router)
TO_ROUTER = [
    ("bgp-from-the-mesh-peer", "north", NORTH_XFRM7, ROUTER_XFRM7, 179, None),
    ("bgp-from-the-hub", "hub", HUB_XFRM0, ROUTER_XFRM0, 179, None),
    ("ssh-from-dc-to-its-lan-address", "hub", HUB, ROUTER_LAN, 22, None),   # rule-4
    ("ssh-from-the-lan-untouched", "lan", LAN, ROUTER_LAN, 22, None),
    ("other-port-from-the-lan-untouched", "lan", LAN, ROUTER_LAN, 2222, None),
    ("other-port-from-north-b", "north", NORTH_B, ROUTER_LAN, 2222, "policy-input-drops"),
    ("ssh-from-north-b", "north", NORTH_B, ROUTER_LAN, 22, "policy-input-drops"),
    ("ssh-from-dc-to-a-tunnel-address", "hub", HUB, ROUTER_XFRM0, 22, "policy-input-drops"),
    # past BGP, BFD and ICMP, a peer's tunnel address is no source it may send
    ("other-port-from-a-tunnel-address", "north", NORTH_XFRM7, ROUTER_XFRM7, 2222,
     "policy-spoofed-fabric"),
    ("ssh-from-a-forged-hub-address", "north", FORGED_HUB, ROUTER_LAN, 22,
     "policy-spoofed-fabric"),
]


@pytest.mark.parametrize(("client", "source", "dest", "port", "counter"),
                         [f[1:] for f in TO_ROUTER], ids=[f[0] for f in TO_ROUTER])
def test_to_the_router_itself(net: Net, client: str, source: str, dest: str, port: int,
                              counter: str | None) -> None:
    counters = ("policy-input-drops", "policy-spoofed-fabric")
    before = {c: _count(net, c) for c in counters}
    wait = ALLOWED_WAIT if counter is None else DENIED_WAIT
    assert _connects(getattr(net, client), source, dest, port, wait) is (counter is None)
    assert {c for c in counters if _count(net, c) > before[c]} == ({counter} - {None})


def test_the_router_answers_ping_over_a_tunnel(net: Net) -> None:
    if shutil.which("ping") is None:
        pytest.skip("ping is not installed")
    _ok(net.north, "ping", "-c", "1", "-W", "2", ROUTER_XFRM7)


def test_drops_counted_and_operator_table_kept(net: Net) -> None:
    before = _count(net, "policy-drops")
    assert not _connects(net.lan, LAN, NORTH_B, 22, DENIED_WAIT)
    assert _count(net, "policy-drops") > before
    assert "table inet operator" in _ok(net.router, "nft", "list", "tables")


def test_without_the_policy_chain_the_denied_flow_connects(net: Net) -> None:
    """Flushing policy-forward removes the device's own firewall (then reloaded)."""
    _ok(net.router, "nft", "flush", "chain", "inet", "netorch", "policy-forward")
    try:
        assert _connects(net.lan, LAN, NORTH_B, 22, ALLOWED_WAIT)
    finally:
        _ok(net.router, "nft", "-f", "-", stdin=net.rules)
    assert not _connects(net.lan, LAN, NORTH_B, 22, DENIED_WAIT)
