#!/bin/sh
# cam-hq-r1 (cambs-hq): interfaces of the route-based tunnels, fabric eastern-region
# Rendered by netorch 0.1.0 from the plan; do not edit by hand.
# Idempotent: run it again after a change, it only adds what is missing.
set -eu

sysctl -qw net.ipv4.ip_forward=1
sysctl -qw net.ipv4.conf.all.rp_filter=2
sysctl -qw net.ipv4.conf.default.rp_filter=2

# loopback: router id and BGP-advertised address
ip addr replace 100.65.0.18/32 dev lo

# each tunnel's far end over its own underlay: a /32 via that link's next hop, so the
# SA leaves by the link local_addrs names, not by the default route
ip route replace 172.16.1.2/32 via 172.16.41.1 dev eth1
ip route replace 198.51.100.2/32 via 198.51.100.57 dev eth0
ip route replace 172.16.1.6/32 via 172.16.41.1 dev eth1
ip route replace 198.51.100.6/32 via 198.51.100.57 dev eth0
ip route replace 172.16.2.2/32 via 172.16.41.1 dev eth1
ip route replace 198.51.100.10/32 via 198.51.100.57 dev eth0
ip route replace 172.16.2.6/32 via 172.16.41.1 dev eth1
ip route replace 198.51.100.14/32 via 198.51.100.57 dev eth0

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
# dcn-r1--cam-hq-r1--private
ip link show xfrm54 >/dev/null 2>&1 || ip link add xfrm54 type xfrm dev eth1 if_id 55
ip link set xfrm54 mtu 1400 up
ip addr replace 100.64.0.109/31 dev xfrm54
# dcn-r1--cam-hq-r1--internet
ip link show xfrm55 >/dev/null 2>&1 || ip link add xfrm55 type xfrm dev eth0 if_id 56
ip link set xfrm55 mtu 1400 up
ip addr replace 100.64.0.111/31 dev xfrm55
# dcn-r2--cam-hq-r1--private
ip link show xfrm56 >/dev/null 2>&1 || ip link add xfrm56 type xfrm dev eth1 if_id 57
ip link set xfrm56 mtu 1400 up
ip addr replace 100.64.0.113/31 dev xfrm56
# dcn-r2--cam-hq-r1--internet
ip link show xfrm57 >/dev/null 2>&1 || ip link add xfrm57 type xfrm dev eth0 if_id 58
ip link set xfrm57 mtu 1400 up
ip addr replace 100.64.0.115/31 dev xfrm57
# dcs-fw1--cam-hq-r1--private
ip link show xfrm144 >/dev/null 2>&1 || ip link add xfrm144 type xfrm dev eth1 if_id 145
ip link set xfrm144 mtu 1400 up
ip addr replace 100.64.1.33/31 dev xfrm144
# dcs-fw1--cam-hq-r1--internet
ip link show xfrm145 >/dev/null 2>&1 || ip link add xfrm145 type xfrm dev eth0 if_id 146
ip link set xfrm145 mtu 1400 up
ip addr replace 100.64.1.35/31 dev xfrm145
# dcs-fw2--cam-hq-r1--private
ip link show xfrm146 >/dev/null 2>&1 || ip link add xfrm146 type xfrm dev eth1 if_id 147
ip link set xfrm146 mtu 1400 up
ip addr replace 100.64.1.37/31 dev xfrm146
# dcs-fw2--cam-hq-r1--internet
ip link show xfrm147 >/dev/null 2>&1 || ip link add xfrm147 type xfrm dev eth0 if_id 148
ip link set xfrm147 mtu 1400 up
ip addr replace 100.64.1.39/31 dev xfrm147
