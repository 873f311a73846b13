"""What the production templates set up, seen in a lab deployed by `lab up`: the lab's
wiring adds no route, forwarding or rp_filter to a device, so every far-end route, the
loose rp_filter, netorch's nftables table (MSS clamp) and FRR's LAN anchors found here
come from the deployed interfaces.sh and frr.conf."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from netorch.inventory import load
from netorch.lab import lab_up, measure, probe, runtime, sh
from netorch.lab.daemons import device_dir, etc_dir
from netorch.lab.spec import LabSpec, build_spec

from .conftest import FIXTURES

pytestmark = pytest.mark.lab
INVENTORY = FIXTURES / "three-site.yaml"
LAB = "t-proddp"
ROUTE = re.compile(r"^ip route replace (\S+)/32 via (\S+) dev (\S+)$", re.M)
SERVER = """import socket, sys
s = socket.socket(); s.bind((sys.argv[1], 5001)); s.listen(1); print("ready", flush=True)
c, _ = s.accept(); print(c.getsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG), flush=True)
"""
CLIENT = "import socket, sys; socket.create_connection((sys.argv[1], 5001), timeout=5).close()"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LabSpec, Path]]:
    root = tmp_path_factory.mktemp("labs")
    try:
        result = lab_up(INVENTORY, lab=LAB, root=root)
        assert result.ok, result.deploy.as_dict()
        yield build_spec(load(INVENTORY), LAB), result.workdir
    finally:
        runtime.stop(LAB, root)


def _in(ns: str, *argv: str) -> str:
    return sh.run(sh.in_ns(ns, list(argv))).stdout


def test_far_ends_routed_by_interfaces_sh(lab: tuple[LabSpec, Path]) -> None:
    spec, workdir = lab
    for dev in spec.devices:
        script = (etc_dir(device_dir(workdir, dev)) / "netorch" / "interfaces.sh").read_text()
        routes = ROUTE.findall(script)
        assert routes, dev.name
        for target, via, ifname in routes:
            got = _in(dev.ns, "ip", "-4", "route", "show", f"{target}/32")
            assert f"via {via} dev {ifname}" in got, (dev.name, target, got)


def test_loose_rp_filter_and_mss_table(lab: tuple[LabSpec, Path]) -> None:
    spec, _ = lab
    for dev in spec.devices:
        assert _in(dev.ns, "sysctl", "-n", "net.ipv4.conf.all.rp_filter").strip() == "2"
        assert "maxseg size set rt mtu" in _in(dev.ns, "nft", "list", "table", "inet", "netorch")


def test_frr_holds_the_lan_anchors(lab: tuple[LabSpec, Path]) -> None:
    spec, _ = lab
    inventory = load(INVENTORY)
    lans = {s.name: [str(p) for p in s.lan] for s in inventory.sites}
    for dev in spec.devices:
        out = sh.run(["vtysh", "-N", dev.ns, "-c", "show ip route static"]).stdout
        for lan in lans[dev.site]:
            assert re.search(rf"S.*{re.escape(lan)} \[254/0\].*blackhole", out), (dev.name, out)


def test_lan_to_lan_syn_mss_clamped_to_the_vxlan_mtu(lab: tuple[LabSpec, Path]) -> None:
    spec, _ = lab
    near, far = spec.hosts[1], spec.hosts[2]  # spoke to spoke, through the hub
    gateway = next(d for d in spec.devices if d.site == near.site)
    lan = next(str(s.lan[0]) for s in load(INVENTORY).sites if s.name == far.site)
    assert probe.wait_for(lambda: bool(measure.route_gateways(gateway.ns, lan)), 30) >= 0
    server = subprocess.Popen(sh.in_ns(far.ns, [sys.executable, "-c", SERVER,
                                                str(far.address)]),
                              stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None and server.stdout.readline().strip() == "ready"
        client = subprocess.run(sh.in_ns(near.ns, [sys.executable, "-c", CLIENT,
                                                   str(far.address)]),
                                capture_output=True, text=True, check=False, timeout=30)
        assert client.returncode == 0, client.stderr
        mss = int(server.stdout.readline())
    finally:
        server.kill()
        server.wait()
    # offered 1460 on the LAN; cut to 1300 - 40 at the spoke; less 12 for timestamps
    assert mss in (1260, 1248), mss
