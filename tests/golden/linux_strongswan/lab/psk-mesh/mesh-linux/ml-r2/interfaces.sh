#!/bin/sh
# ml-r2 (mesh-linux): interfaces of the route-based tunnels, fabric psk-mesh
# Rendered by netorch 0.1.0 from the plan; do not edit by hand.
# Idempotent: run it again after a change, it only adds what is missing.
set -eu

sysctl -qw net.ipv4.ip_forward=1
sysctl -qw net.ipv4.conf.all.rp_filter=2
sysctl -qw net.ipv4.conf.default.rp_filter=2

# loopback: router id and BGP-advertised address
ip addr replace 100.65.0.2/32 dev lo

# each tunnel's far end over its own underlay: a /32 via that link's next hop, so the
# SA leaves by the link local_addrs names, not by the default route
ip route replace 172.16.2.2/32 via 172.16.1.5 dev eth1
ip route replace 198.51.100.10/32 via 198.51.100.1 dev eth0
ip route replace 172.16.3.2/32 via 172.16.1.5 dev eth1
ip route replace 203.0.113.4/32 via 198.51.100.1 dev eth0
ip route replace 203.0.113.5/32 via 198.51.100.1 dev eth0

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
ip addr replace 198.19.0.2/32 dev lo
ip addr replace 198.19.1.2/32 dev lo
# ml-r2--mi-r1--private
ip link show vx2 >/dev/null 2>&1 || ip link add vx2 type vxlan id 3 local 198.19.1.2 remote 198.19.1.3 dstport 4789 nolearning
ip addr replace 100.64.0.4/31 dev vx2
ip link set vx2 mtu 1300 up
# ml-r2--mi-r1--internet
ip link show vx3 >/dev/null 2>&1 || ip link add vx3 type vxlan id 4 local 198.19.0.2 remote 198.19.0.3 dstport 4789 nolearning
ip addr replace 100.64.0.6/31 dev vx3
ip link set vx3 mtu 1300 up
# ml-r2--mj-r1--private
ip link show vx5 >/dev/null 2>&1 || ip link add vx5 type vxlan id 6 local 198.19.1.2 remote 198.19.1.4 dstport 4789 nolearning
ip addr replace 100.64.0.10/31 dev vx5
ip link set vx5 mtu 1300 up
# ml-r2--mf-r1--internet
ip link show vx7 >/dev/null 2>&1 || ip link add vx7 type vxlan id 8 local 198.19.0.2 remote 198.19.0.5 dstport 4789 nolearning
ip addr replace 100.64.0.14/31 dev vx7
ip link set vx7 mtu 1300 up
# ml-r2--mn-r1--internet
ip link show vx9 >/dev/null 2>&1 || ip link add vx9 type vxlan id 10 local 198.19.0.2 remote 198.19.0.6 dstport 4789 nolearning
ip addr replace 100.64.0.18/31 dev vx9
ip link set vx9 mtu 1300 up
