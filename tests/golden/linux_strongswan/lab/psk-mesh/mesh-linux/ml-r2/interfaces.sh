#!/bin/sh
# ml-r2 (mesh-linux): interfaces of the route-based tunnels, fabric psk-mesh
# Rendered by netorch 0.1.0 from the plan; do not edit by hand.
# Idempotent: run it again after a change, it only adds what is missing.
set -eu

# lab dataplane: no XFRM here; VXLAN devices between per-underlay endpoint /32s,
# whose traffic the CHILD_SAs (kernel-libipsec) encrypt
sysctl -qw net.ipv4.ip_forward=1
sysctl -qw net.ipv4.conf.all.rp_filter=0
sysctl -qw net.ipv4.conf.default.rp_filter=0

# loopback: router id and BGP-advertised address, then the tunnel endpoints
ip addr replace 100.65.0.2/32 dev lo
ip addr replace 198.19.0.2/32 dev lo
ip addr replace 198.19.1.2/32 dev lo

# one VXLAN device per tunnel (VNI unique on this device), MTU 1300; the address goes
# on before the link comes up (zebra can miss an address added just after)
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
