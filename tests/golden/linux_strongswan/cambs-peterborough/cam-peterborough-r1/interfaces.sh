#!/bin/sh
# cam-peterborough-r1 (cambs-peterborough): interfaces of the route-based tunnels, fabric eastern-region
# Rendered by netorch 0.1.0 from the plan; do not edit by hand.
# Idempotent: run it again after a change, it only adds what is missing.
set -eu

sysctl -qw net.ipv4.ip_forward=1
sysctl -qw net.ipv4.conf.all.rp_filter=2
sysctl -qw net.ipv4.conf.default.rp_filter=2

# loopback: router id and BGP-advertised address
ip addr replace 100.65.0.20/32 dev lo

# each tunnel's far end over its own underlay: a /32 via that link's next hop, so the
# SA leaves by the link local_addrs names, not by the default route
ip route replace 198.51.100.2/32 via 192.168.43.1 dev eth0
ip route replace 198.51.100.6/32 via 192.168.43.1 dev eth0
ip route replace 198.51.100.10/32 via 192.168.43.1 dev eth0
ip route replace 198.51.100.14/32 via 192.168.43.1 dev eth0

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
# dcn-r1--cam-peterborough-r1--internet
ip link show xfrm62 >/dev/null 2>&1 || ip link add xfrm62 type xfrm dev eth0 if_id 63
ip link set xfrm62 mtu 1400 up
ip addr replace 100.64.0.125/31 dev xfrm62
# dcn-r2--cam-peterborough-r1--internet
ip link show xfrm63 >/dev/null 2>&1 || ip link add xfrm63 type xfrm dev eth0 if_id 64
ip link set xfrm63 mtu 1400 up
ip addr replace 100.64.0.127/31 dev xfrm63
# dcs-fw1--cam-peterborough-r1--internet
ip link show xfrm152 >/dev/null 2>&1 || ip link add xfrm152 type xfrm dev eth0 if_id 153
ip link set xfrm152 mtu 1400 up
ip addr replace 100.64.1.49/31 dev xfrm152
# dcs-fw2--cam-peterborough-r1--internet
ip link show xfrm153 >/dev/null 2>&1 || ip link add xfrm153 type xfrm dev eth0 if_id 154
ip link set xfrm153 mtu 1400 up
ip addr replace 100.64.1.51/31 dev xfrm153
