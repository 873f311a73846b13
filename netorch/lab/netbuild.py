"""Building the lab's wiring: namespaces, underlay bridges, veths, addresses, NAT.

Underlay namespace: one bridge per underlay holding every next hop of that underlay
(so sites in different subnets reach each other through it), forwarding between
subnets of one underlay only, and NAT for links with a `public` address: what a
provider's network gives. A device namespace gets only its links' addresses: the
routes to its peers, forwarding and rp_filter come from the production interfaces.sh
that deploy runs there, so the lab proves it.
"""

from __future__ import annotations

from netorch.lab import sh
from netorch.lab.spec import LabDevice, LabSpec

NO_IPV6 = ("net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1")
DEVICE_SYSCTLS = (*NO_IPV6, "net.ipv4.conf.all.accept_redirects=0",
                  "net.ipv4.conf.default.accept_redirects=0")
UNDERLAY_SYSCTLS = (*NO_IPV6, "net.ipv4.ip_forward=1", "net.ipv4.conf.all.send_redirects=0",
                    "net.ipv4.conf.default.send_redirects=0", "net.ipv4.conf.all.rp_filter=0",
                    "net.ipv4.conf.default.rp_filter=0")
HOST_SYSCTLS = (*NO_IPV6, "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0")


def build(spec: LabSpec) -> None:
    """Create every namespace and wire it; the names are already in the state file."""
    for ns in spec.namespaces():
        sh.run(["ip", "netns", "add", ns])
    _sysctl(spec.underlay_ns, UNDERLAY_SYSCTLS)
    for dev in spec.devices:
        _sysctl(dev.ns, DEVICE_SYSCTLS)
    for host in spec.hosts:
        _sysctl(host.ns, HOST_SYSCTLS)
    sh.ip_batch(spec.underlay_ns, _underlay_commands(spec))
    sh.ip_batch(None, _mgmt_commands(spec))
    for host in spec.hosts:
        sh.ip_batch(host.ns, _host_wiring(spec, host.site))
    for dev in spec.devices:
        sh.ip_batch(dev.ns, _device_commands(dev))
    for host in spec.hosts:
        sh.ip_batch(host.ns, [f"route add default via {host.gateway}"])
    sh.run(sh.in_ns(spec.underlay_ns, ["nft", "-f", "-"]), stdin=nft_ruleset(spec))


def _sysctl(ns: str, settings: tuple[str, ...]) -> None:
    sh.run(sh.in_ns(ns, ["sysctl", "-q", "-w", *settings]))


def _underlay_commands(spec: LabSpec) -> list[str]:
    cmds = ["link set lo up"]
    for u, bridge in spec.bridges.items():
        cmds += [f"link add {bridge} type bridge", f"link set {bridge} up"]
        cmds += [f"addr add {gw} dev {bridge}" for gw in spec.gateways[u]]
    for dev in spec.devices:
        for link in dev.links:
            cmds += [f"link add {link.uplink} type veth peer name {link.ifname} netns {dev.ns}",
                     f"link set {link.uplink} master {spec.bridges[link.underlay]}",
                     f"link set {link.uplink} up"]
    return cmds


def _mgmt_commands(spec: LabSpec) -> list[str]:
    cmds: list[str] = []
    for dev in spec.devices:
        cmds += [f"link add {dev.mgmt_root_if} type veth peer name mgmt0 netns {dev.ns}",
                 f"addr add {dev.mgmt_root} dev {dev.mgmt_root_if}",
                 f"link set {dev.mgmt_root_if} up"]
    return cmds


def _host_wiring(spec: LabSpec, site: str) -> list[str]:
    host = next(h for h in spec.hosts if h.site == site)
    cmds = ["link set lo up", "link add lan type bridge", "link set lan up"]
    cmds += [f"addr add {a} dev lan" for a in host.addresses]
    for dev, port in zip((d for d in spec.devices if d.site == site), host.ports, strict=True):
        cmds += [f"link add {port} type veth peer name lan0 netns {dev.ns}",
                 f"link set {port} master lan", f"link set {port} up"]
    return cmds


def _device_commands(dev: LabDevice) -> list[str]:
    cmds = ["link set lo up", f"addr add {dev.mgmt} dev mgmt0", "link set mgmt0 up"]
    cmds += [f"addr add {a} dev lan0" for a in dev.lan] + ["link set lan0 up"]
    for link in dev.links:
        cmds += [f"addr add {link.address} dev {link.ifname}", f"link set {link.ifname} up"]
    return cmds


def nft_ruleset(spec: LabSpec) -> str:
    """The underlay's firewall: no forwarding between underlays; NAT for public addresses."""
    lines = ["table ip netorch_lab {", " chain forward {",
             "  type filter hook forward priority filter; policy accept;"]
    lines += [f'  iifname "{b}" oifname != "{b}" drop' for b in spec.bridges.values()]
    lines += [" }", " chain prerouting {", "  type nat hook prerouting priority dstnat;"]
    nat = [link for dev in spec.devices for link in dev.links if link.public]
    lines += [f"  ip daddr {link.public} dnat to {link.address.ip}" for link in nat]
    lines += [" }", " chain postrouting {", "  type nat hook postrouting priority srcnat;"]
    lines += [f"  ip saddr {link.address.ip} snat to {link.public}" for link in nat]
    lines += [" }", "}"]
    return "\n".join(lines) + "\n"


def set_link(spec: LabSpec, device: str, underlay: str, up: bool) -> None:
    """Cut or restore a device's link on an underlay (its bridge port, as a WAN fault)."""
    dev = spec.device(device)
    for link in dev.links:
        if link.underlay == underlay:
            sh.ip_batch(spec.underlay_ns, [f"link set {link.uplink} {'up' if up else 'down'}"])
