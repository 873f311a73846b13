#!/bin/sh
# mn-r1 (mesh-nat): interfaces of the route-based tunnels, fabric psk-mesh
# Rendered by netorch 0.1.0 from the plan; do not edit by hand.
# Idempotent: run it again after a change, it only adds what is missing.
set -eu

sysctl -qw net.ipv4.ip_forward=1
sysctl -qw net.ipv4.conf.all.rp_filter=2
sysctl -qw net.ipv4.conf.default.rp_filter=2

# loopback: router id and BGP-advertised address
ip addr replace 100.65.0.6/32 dev lo

# each tunnel's far end over its own underlay: a /32 via that link's next hop, so the
# SA leaves by the link local_addrs names, not by the default route
ip route replace 198.51.100.2/32 via 192.168.5.1 dev eth0
ip route replace 198.51.100.3/32 via 192.168.5.1 dev eth0
ip route replace 198.51.100.10/32 via 192.168.5.1 dev eth0
ip route replace 203.0.113.4/32 via 192.168.5.1 dev eth0

# TCP MSS of forwarded SYNs clamped to the MTU of their route (a tunnel's, less 40):
# netorch's own nftables table, replaced whole in one transaction; no other is touched
nft -f - <<'NFT'
table inet netorch
delete table inet netorch
table inet netorch {
  chain forward {
    type filter hook forward priority mangle; policy accept;
    tcp flags syn tcp option maxseg size set rt mtu
  }
}
NFT

# lab tunnel device: VXLAN between per-underlay endpoint /32s on lo, whose traffic the
# CHILD_SAs encrypt (userspace ESP, kernel-libipsec); MTU 1300, so the MSS clamp gives 1260
ip addr replace 198.19.0.6/32 dev lo
# ml-r1--mn-r1--internet
ip link show vx8 >/dev/null 2>&1 || ip link add vx8 type vxlan id 9 local 198.19.0.6 remote 198.19.0.1 dstport 4789 nolearning
ip addr replace 100.64.0.17/31 dev vx8
ip link set vx8 mtu 1300 up
# ml-r2--mn-r1--internet
ip link show vx9 >/dev/null 2>&1 || ip link add vx9 type vxlan id 10 local 198.19.0.6 remote 198.19.0.2 dstport 4789 nolearning
ip addr replace 100.64.0.19/31 dev vx9
ip link set vx9 mtu 1300 up
# mi-r1--mn-r1--internet
ip link show vx12 >/dev/null 2>&1 || ip link add vx12 type vxlan id 13 local 198.19.0.6 remote 198.19.0.3 dstport 4789 nolearning
ip addr replace 100.64.0.25/31 dev vx12
ip link set vx12 mtu 1300 up
# mf-r1--mn-r1--internet
ip link show vx13 >/dev/null 2>&1 || ip link add vx13 type vxlan id 14 local 198.19.0.6 remote 198.19.0.5 dstport 4789 nolearning
ip addr replace 100.64.0.27/31 dev vx13
ip link set vx13 mtu 1300 up
