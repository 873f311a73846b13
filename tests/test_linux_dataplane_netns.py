"""The production interfaces.sh run for real, in network namespaces this test makes:
the far end of every tunnel is routed via its underlay's next hop, netorch's nftables
table clamps the MSS of forwarded SYNs to the route MTU, the operator's own table is
left alone, and a second run changes nothing.

This kernel has no XFRM interfaces: a shim `ip` on PATH creates a bridge where the
script asks for `type xfrm` (every other command is the real `ip`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from netorch import api
from netorch.plan.model import DevicePlan, FabricPlan
from netorch.render import RenderOptions

pytestmark = [pytest.mark.lab, pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("ip") or not shutil.which("nft"),
    reason="needs root, ip and nft")]
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "psk-mesh.yaml"
DEVICE = "ml-r1"
FAR_HOST = "10.9.0.2"  # behind the underlay, routed with the tunnel's MTU (1400)
LAN_HOST = "10.1.0.100"
IP_SHIM = """#!/bin/sh
case " $* " in *" type xfrm "*) exec "{ip}" link add "$3" type bridge ;; esac
exec "{ip}" "$@"
"""
OPERATOR_TABLE = """table inet operator {
  chain keep {
    type filter hook forward priority 0; policy accept;
    counter
  }
}
"""
SERVER = """import socket, sys
s = socket.socket(); s.bind((sys.argv[1], 5001)); s.listen(1); print("ready", flush=True)
c, _ = s.accept(); print(c.getsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG), flush=True)
"""
CLIENT = "import socket, sys; socket.create_connection((sys.argv[1], 5001), timeout=5).close()"


@dataclass(frozen=True)
class Net:
    router: str
    underlay: str
    host: str
    script: Path
    path: str
    device: DevicePlan
    plan: FabricPlan


def _run(ns: str, *argv: str, path: str | None = None, stdin: str | None = None
         ) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": path} if path else None
    return subprocess.run(["ip", "netns", "exec", ns, *argv], input=stdin, text=True,
                          capture_output=True, check=False, env=env)


def _ok(ns: str, *argv: str, stdin: str | None = None) -> str:
    done = _run(ns, *argv, stdin=stdin)
    assert done.returncode == 0, (argv, done.stderr)
    return done.stdout


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Net]:
    plan = api.plan(api.load(FIXTURE))
    text = api.render(plan, redact=True, options=RenderOptions(),
                      devices={DEVICE})[DEVICE]["interfaces.sh"]
    work = tmp_path_factory.mktemp("dataplane")
    (work / "interfaces.sh").write_text(text)
    shim = work / "bin"
    shim.mkdir()
    (shim / "ip").write_text(IP_SHIM.format(ip=shutil.which("ip")))
    (shim / "ip").chmod(0o755)
    tag = uuid.uuid4().hex[:6]
    names = [f"ntdp{tag}-{role}" for role in ("r", "u", "h")]
    try:
        for ns in names:
            subprocess.run(["ip", "netns", "add", ns], check=True)
        _wire(names, plan.device(DEVICE))
        router, underlay, host = names
        yield Net(router, underlay, host, script=work / "interfaces.sh",
                  path=f"{shim}:{os.environ.get('PATH', '')}", device=plan.device(DEVICE),
                  plan=plan)
    finally:
        for ns in names:
            subprocess.run(["ip", "netns", "del", ns], check=False)


def _wire(names: list[str], device: DevicePlan) -> None:
    """The router's links to an underlay namespace holding their next hops, a LAN host,
    and FAR_HOST behind the underlay (routed from the router with MTU 1400)."""
    router, underlay, host = names
    for k, link in enumerate(device.links):
        _ok(router, "ip", "link", "add", link.interface, "type", "veth", "peer", "name",
            f"up{k}", "netns", underlay)
        _ok(router, "ip", "addr", "add", str(link.address), "dev", link.interface)
        _ok(router, "ip", "link", "set", link.interface, "up")
        prefix = link.address.network.prefixlen
        _ok(underlay, "ip", "addr", "add", f"{link.next_hop}/{prefix}", "dev", f"up{k}")
        _ok(underlay, "ip", "link", "set", f"up{k}", "up")
    first = device.links[0]
    _ok(router, "ip", "link", "add", "lan0", "type", "veth", "peer", "name", "eth0", "netns",
        host)
    _ok(router, "ip", "addr", "add", "10.1.0.1/24", "dev", "lan0")
    _ok(router, "ip", "link", "set", "lan0", "up")
    _ok(router, "ip", "route", "add", f"{FAR_HOST}/32", "via", str(first.next_hop), "mtu", "1400")
    _ok(host, "ip", "addr", "add", f"{LAN_HOST}/24", "dev", "eth0")
    _ok(host, "ip", "link", "set", "eth0", "up")
    _ok(host, "ip", "route", "add", "default", "via", "10.1.0.1")
    _ok(underlay, "ip", "addr", "add", f"{FAR_HOST}/32", "dev", "lo")
    _ok(underlay, "ip", "link", "set", "lo", "up")
    _ok(underlay, "ip", "route", "add", "10.1.0.0/24", "via", str(first.address.ip))
    _ok(router, "nft", "-f", "-", stdin=OPERATOR_TABLE)


def _apply(net: Net) -> subprocess.CompletedProcess[str]:
    return _run(net.router, "sh", str(net.script), path=net.path)


def _state(ns: str) -> tuple[str, ...]:
    return tuple(_ok(ns, *argv) for argv in (
        ("ip", "-4", "route", "show", "table", "all"), ("ip", "-4", "addr"), ("ip", "-o", "link"),
        ("nft", "list", "ruleset"),
        ("sysctl", "net.ipv4.ip_forward", "net.ipv4.conf.all.rp_filter")))


@pytest.fixture(scope="module")
def applied(net: Net) -> tuple[str, ...]:
    done = _apply(net)
    assert done.returncode == 0, done.stderr
    return _state(net.router)


def test_far_ends_routed_via_their_underlay_next_hop(net: Net, applied: tuple[str, ...]) -> None:
    links = {k.interface: k for k in net.device.links}
    wanted = set()
    for t in net.plan.tunnels:
        for local, remote in ((t.a, t.b), (t.b, t.a)):
            if local.device == DEVICE:
                link = links[local.underlay_interface]
                wanted.add(f"{remote.endpoint} via {link.next_hop} dev {link.interface}")
    routes = applied[0]
    assert wanted and all(w in routes for w in wanted), routes


def test_forwarding_loose_rp_filter_and_netorch_table_beside_the_operators(
        applied: tuple[str, ...]) -> None:
    ruleset = applied[3]
    assert "table inet netorch" in ruleset and "maxseg size set rt mtu" in ruleset
    assert "table inet operator" in ruleset  # never flushed
    assert "net.ipv4.ip_forward = 1" in applied[4]
    assert "net.ipv4.conf.all.rp_filter = 2" in applied[4]


def test_second_run_changes_nothing(net: Net, applied: tuple[str, ...]) -> None:
    done = _apply(net)
    assert done.returncode == 0, done.stderr
    assert _state(net.router) == applied


def test_forwarded_syn_mss_clamped_to_the_route_mtu(net: Net, applied: tuple[str, ...]
                                                     ) -> None:
    server = subprocess.Popen(["ip", "netns", "exec", net.underlay, sys.executable, "-c",
                               SERVER, FAR_HOST], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None and server.stdout.readline().strip() == "ready"
        client = _run(net.host, sys.executable, "-c", CLIENT, FAR_HOST)
        assert client.returncode == 0, client.stderr
        mss = int(server.stdout.readline())
    finally:
        server.kill()
        server.wait()
    # the client offered 1460 (its LAN MTU 1500); the router cut it to 1400 - 40, and
    # the server's effective MSS is that less the timestamp option (12)
    assert mss in (1360, 1348), mss
