#!/bin/sh
# cam-parkside-r1 (cambs-parkside): interfaces of the route-based tunnels, fabric eastern-region
# Rendered by netorch 0.1.0 from the plan; do not edit by hand.
# Idempotent: run it again after a change, it only adds what is missing.
set -eu

sysctl -qw net.ipv4.ip_forward=1
sysctl -qw net.ipv4.conf.all.rp_filter=2
sysctl -qw net.ipv4.conf.default.rp_filter=2

# loopback: router id and BGP-advertised address
ip addr replace 100.65.0.19/32 dev lo

# each tunnel's far end over its own underlay: a /32 via that link's next hop, so the
# SA leaves by the link local_addrs names, not by the default route
ip route replace 172.16.1.2/32 via 172.16.42.1 dev eth1
ip route replace 198.51.100.2/32 via 198.51.100.61 dev eth0
ip route replace 172.16.1.6/32 via 172.16.42.1 dev eth1
ip route replace 198.51.100.6/32 via 198.51.100.61 dev eth0
ip route replace 172.16.2.2/32 via 172.16.42.1 dev eth1
ip route replace 198.51.100.10/32 via 198.51.100.61 dev eth0
ip route replace 172.16.2.6/32 via 172.16.42.1 dev eth1
ip route replace 198.51.100.14/32 via 198.51.100.61 dev eth0

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

# one XFRM interface per tunnel; its if_id matches swanctl.conf's if_id_in/out
# dcn-r1--cam-parkside-r1--private
ip link show xfrm58 >/dev/null 2>&1 || ip link add xfrm58 type xfrm dev eth1 if_id 59
ip link set xfrm58 mtu 1400 up
ip addr replace 100.64.0.117/31 dev xfrm58
# dcn-r1--cam-parkside-r1--internet
ip link show xfrm59 >/dev/null 2>&1 || ip link add xfrm59 type xfrm dev eth0 if_id 60
ip link set xfrm59 mtu 1400 up
ip addr replace 100.64.0.119/31 dev xfrm59
# dcn-r2--cam-parkside-r1--private
ip link show xfrm60 >/dev/null 2>&1 || ip link add xfrm60 type xfrm dev eth1 if_id 61
ip link set xfrm60 mtu 1400 up
ip addr replace 100.64.0.121/31 dev xfrm60
# dcn-r2--cam-parkside-r1--internet
ip link show xfrm61 >/dev/null 2>&1 || ip link add xfrm61 type xfrm dev eth0 if_id 62
ip link set xfrm61 mtu 1400 up
ip addr replace 100.64.0.123/31 dev xfrm61
# dcs-fw1--cam-parkside-r1--private
ip link show xfrm148 >/dev/null 2>&1 || ip link add xfrm148 type xfrm dev eth1 if_id 149
ip link set xfrm148 mtu 1400 up
ip addr replace 100.64.1.41/31 dev xfrm148
# dcs-fw1--cam-parkside-r1--internet
ip link show xfrm149 >/dev/null 2>&1 || ip link add xfrm149 type xfrm dev eth0 if_id 150
ip link set xfrm149 mtu 1400 up
ip addr replace 100.64.1.43/31 dev xfrm149
# dcs-fw2--cam-parkside-r1--private
ip link show xfrm150 >/dev/null 2>&1 || ip link add xfrm150 type xfrm dev eth1 if_id 151
ip link set xfrm150 mtu 1400 up
ip addr replace 100.64.1.45/31 dev xfrm150
# dcs-fw2--cam-parkside-r1--internet
ip link show xfrm151 >/dev/null 2>&1 || ip link add xfrm151 type xfrm dev eth0 if_id 152
ip link set xfrm151 mtu 1400 up
ip addr replace 100.64.1.47/31 dev xfrm151
