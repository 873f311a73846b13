#!/bin/sh
# ml-r1 (mesh-linux): interfaces of the route-based tunnels, fabric psk-mesh
# Rendered by netorch 0.1.0 from the plan; do not edit by hand.
# Idempotent: run it again after a change, it only adds what is missing.
set -eu

# lab dataplane: no XFRM here; VXLAN devices between per-underlay endpoint /32s,
# whose traffic the CHILD_SAs (kernel-libipsec) encrypt
sysctl -qw net.ipv4.ip_forward=1
sysctl -qw net.ipv4.conf.all.rp_filter=0
sysctl -qw net.ipv4.conf.default.rp_filter=0

# loopback: router id and BGP-advertised address, then the tunnel endpoints
ip addr replace 100.65.0.1/32 dev lo
ip addr replace 198.19.0.1/32 dev lo
ip addr replace 198.19.1.1/32 dev lo

# one VXLAN device per tunnel (VNI unique on this device), MTU 1300; the address goes
# on before the link comes up (zebra can miss an address added just after)
# ml-r1--mi-r1--private
ip link show vx0 >/dev/null 2>&1 || ip link add vx0 type vxlan id 1 local 198.19.1.1 remote 198.19.1.3 dstport 4789 nolearning
ip addr replace 100.64.0.0/31 dev vx0
ip link set vx0 mtu 1300 up
# ml-r1--mi-r1--internet
ip link show vx1 >/dev/null 2>&1 || ip link add vx1 type vxlan id 2 local 198.19.0.1 remote 198.19.0.3 dstport 4789 nolearning
ip addr replace 100.64.0.2/31 dev vx1
ip link set vx1 mtu 1300 up
# ml-r1--mj-r1--private
ip link show vx4 >/dev/null 2>&1 || ip link add vx4 type vxlan id 5 local 198.19.1.1 remote 198.19.1.4 dstport 4789 nolearning
ip addr replace 100.64.0.8/31 dev vx4
ip link set vx4 mtu 1300 up
# ml-r1--mf-r1--internet
ip link show vx6 >/dev/null 2>&1 || ip link add vx6 type vxlan id 7 local 198.19.0.1 remote 198.19.0.5 dstport 4789 nolearning
ip addr replace 100.64.0.12/31 dev vx6
ip link set vx6 mtu 1300 up
# ml-r1--mn-r1--internet
ip link show vx8 >/dev/null 2>&1 || ip link add vx8 type vxlan id 9 local 198.19.0.1 remote 198.19.0.6 dstport 4789 nolearning
ip addr replace 100.64.0.16/31 dev vx8
ip link set vx8 mtu 1300 up
