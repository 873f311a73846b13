#!/bin/sh
# prob-east-r1 (probation-east): interfaces of the route-based tunnels, fabric eastern-region
# Rendered by netorch 0.1.0 from the plan; do not edit by hand.
# Idempotent: run it again after a change, it only adds what is missing.
set -eu

sysctl -qw net.ipv4.ip_forward=1
sysctl -qw net.ipv4.conf.all.rp_filter=2
sysctl -qw net.ipv4.conf.default.rp_filter=2

# loopback: router id and BGP-advertised address
ip addr replace 100.65.0.30/32 dev lo

# each tunnel's far end over its own underlay: a /32 via that link's next hop, so the
# SA leaves by the link local_addrs names, not by the default route
ip route replace 172.16.1.2/32 via 172.16.91.1 dev eth1
ip route replace 198.51.100.2/32 via 198.51.100.89 dev eth0
ip route replace 172.16.1.6/32 via 172.16.91.1 dev eth1
ip route replace 198.51.100.6/32 via 198.51.100.89 dev eth0
ip route replace 172.16.2.2/32 via 172.16.91.1 dev eth1
ip route replace 198.51.100.10/32 via 198.51.100.89 dev eth0
ip route replace 172.16.2.6/32 via 172.16.91.1 dev eth1
ip route replace 198.51.100.14/32 via 198.51.100.89 dev eth0

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
# dcn-r1--prob-east-r1--private
ip link show xfrm94 >/dev/null 2>&1 || ip link add xfrm94 type xfrm dev eth1 if_id 95
ip link set xfrm94 mtu 1400 up
ip addr replace 100.64.0.189/31 dev xfrm94
# dcn-r1--prob-east-r1--internet
ip link show xfrm95 >/dev/null 2>&1 || ip link add xfrm95 type xfrm dev eth0 if_id 96
ip link set xfrm95 mtu 1400 up
ip addr replace 100.64.0.191/31 dev xfrm95
# dcn-r2--prob-east-r1--private
ip link show xfrm96 >/dev/null 2>&1 || ip link add xfrm96 type xfrm dev eth1 if_id 97
ip link set xfrm96 mtu 1400 up
ip addr replace 100.64.0.193/31 dev xfrm96
# dcn-r2--prob-east-r1--internet
ip link show xfrm97 >/dev/null 2>&1 || ip link add xfrm97 type xfrm dev eth0 if_id 98
ip link set xfrm97 mtu 1400 up
ip addr replace 100.64.0.195/31 dev xfrm97
# dcs-fw1--prob-east-r1--private
ip link show xfrm184 >/dev/null 2>&1 || ip link add xfrm184 type xfrm dev eth1 if_id 185
ip link set xfrm184 mtu 1400 up
ip addr replace 100.64.1.113/31 dev xfrm184
# dcs-fw1--prob-east-r1--internet
ip link show xfrm185 >/dev/null 2>&1 || ip link add xfrm185 type xfrm dev eth0 if_id 186
ip link set xfrm185 mtu 1400 up
ip addr replace 100.64.1.115/31 dev xfrm185
# dcs-fw2--prob-east-r1--private
ip link show xfrm186 >/dev/null 2>&1 || ip link add xfrm186 type xfrm dev eth1 if_id 187
ip link set xfrm186 mtu 1400 up
ip addr replace 100.64.1.117/31 dev xfrm186
# dcs-fw2--prob-east-r1--internet
ip link show xfrm187 >/dev/null 2>&1 || ip link add xfrm187 type xfrm dev eth0 if_id 188
ip link set xfrm187 mtu 1400 up
ip addr replace 100.64.1.119/31 dev xfrm187
