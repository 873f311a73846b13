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
# It also holds the segmentation policy: stateful filtering of what crosses a tunnel,
# sources bound to the tunnel or LAN they enter by, and what reaches this device over one.
nft -f - <<'NFT'
table inet netorch
delete table inet netorch
table inet netorch {
  chain forward {
    type filter hook forward priority mangle; policy accept;
    tcp flags syn tcp option maxseg size set rt mtu
  }
  # segmentation policy: a new flow that crosses a tunnel interface (in, out, or
  # tunnel to tunnel) passes only when one of the 5 rules allows it; replies
  # return by conntrack; anything else crossing is counted (policy-drops), logged, dropped.
  # Anti-spoofing first: what arrives on a tunnel comes from what its peer may send (the
  # set its end accepts), what the LAN sends into one from this site. To the device
  # itself over a tunnel: BGP, BFD, ICMP and what the rules open to this site
  set policy-tunnels {
    type ifname
    elements = { "xfrm54", "xfrm55", "xfrm56", "xfrm57", "xfrm144", "xfrm145", "xfrm146", "xfrm147" }
  }
  set policy-site {
    type ipv4_addr
    flags interval
    auto-merge
    elements = { 10.41.0.0/16,100.65.0.18/32 }
  }
  set src-fabric-reach-41 {
    type ipv4_addr
    flags interval
    auto-merge
    elements = { 10.1.0.0/16,10.2.0.0/16,10.41.0.0/16,10.42.0.0/16,10.43.0.0/16,10.71.0.0/16,100.65.0.1/32,100.65.0.2/32,100.65.0.3/32,100.65.0.4/32,100.65.0.18/32,100.65.0.19/32,100.65.0.20/32,100.65.0.27/32 }
  }
  set group-any {
    type ipv4_addr
    flags interval
    elements = { 10.1.0.0/16,10.2.0.0/16,10.11.0.0/16,10.12.0.0/15,10.14.0.0/16,10.21.0.0/16,10.22.0.0/15,10.24.0.0/16,10.31.0.0/16,10.32.0.0/15,10.34.0.0/16,10.41.0.0/16,10.42.0.0/15,10.51.0.0/16,10.52.0.0/15,10.61.0.0/16,10.62.0.0/15,10.71.0.0/16,10.81.0.0/16,10.82.0.0/16,10.91.0.0/16,100.65.0.1/32,100.65.0.2/31,100.65.0.4/30,100.65.0.8/29,100.65.0.16/29,100.65.0.24/30,100.65.0.28/31,100.65.0.30/32 }
  }
  set group-org-cambridgeshire-constabulary {
    type ipv4_addr
    flags interval
    elements = { 10.41.0.0/16,10.42.0.0/15,100.65.0.18/31,100.65.0.20/32 }
  }
  set group-zone-cps {
    type ipv4_addr
    flags interval
    elements = { 10.71.0.0/16,100.65.0.27/32 }
  }
  set group-zone-dc {
    type ipv4_addr
    flags interval
    elements = { 10.1.0.0/16,10.2.0.0/16,100.65.0.1/32,100.65.0.2/31,100.65.0.4/32 }
  }
  set group-zone-police {
    type ipv4_addr
    flags interval
    elements = { 10.11.0.0/16,10.12.0.0/15,10.14.0.0/16,10.21.0.0/16,10.22.0.0/15,10.24.0.0/16,10.31.0.0/16,10.32.0.0/15,10.34.0.0/16,10.41.0.0/16,10.42.0.0/15,10.51.0.0/16,10.52.0.0/15,10.61.0.0/16,10.62.0.0/15,100.65.0.5/32,100.65.0.6/31,100.65.0.8/29,100.65.0.16/29,100.65.0.24/31,100.65.0.26/32 }
  }
  counter policy-drops {
  }
  counter policy-spoofed-fabric {
  }
  counter policy-spoofed-lan {
  }
  counter policy-input-drops {
  }
  chain policy-from-fabric-reach-41 {
    ip saddr @src-fabric-reach-41 return
    ip saddr 100.64.0.0/16 ct state related meta l4proto icmp return
    limit rate 10/second burst 20 packets log prefix "netorch spoofed: " level info
    counter name "policy-spoofed-fabric" drop
  }
  chain policy-from-lan {
    ip saddr @policy-site return
    limit rate 10/second burst 20 packets log prefix "netorch spoofed: " level info
    counter name "policy-spoofed-lan" drop
  }
  map policy-sources {
    type ifname : verdict
    elements = { "xfrm54" : jump policy-from-fabric-reach-41, "xfrm55" : jump policy-from-fabric-reach-41, "xfrm56" : jump policy-from-fabric-reach-41, "xfrm57" : jump policy-from-fabric-reach-41, "xfrm144" : jump policy-from-fabric-reach-41, "xfrm145" : jump policy-from-fabric-reach-41, "xfrm146" : jump policy-from-fabric-reach-41, "xfrm147" : jump policy-from-fabric-reach-41 }
  }
  chain policy-forward {
    type filter hook forward priority filter; policy accept;
    iifname vmap @policy-sources
    iifname != @policy-tunnels oifname @policy-tunnels jump policy-from-lan
    iifname @policy-tunnels jump policy-fabric
    oifname @policy-tunnels jump policy-fabric
  }
  chain policy-input {
    type filter hook input priority filter; policy accept;
    iifname @policy-tunnels jump policy-device
  }
  chain policy-fabric {
    ct state established,related accept
    ct state invalid drop
    ip saddr @group-zone-police ip daddr @group-zone-cps tcp dport 443 counter accept comment "rule-1 https"
    ip saddr @group-zone-police ip daddr @group-zone-cps tcp dport 445 counter accept comment "rule-1 smb"
    ip saddr @group-zone-police ip daddr @group-zone-cps meta l4proto icmp counter accept comment "rule-1 icmp"
    ip saddr @group-zone-cps ip daddr @group-zone-police tcp dport 443 counter accept comment "rule-2 https"
    ip saddr @group-zone-cps ip daddr @group-zone-police meta l4proto icmp counter accept comment "rule-2 icmp"
    ip saddr @group-any ip daddr @group-zone-dc udp dport 53 counter accept comment "rule-7 dns"
    ip saddr @group-any ip daddr @group-zone-dc tcp dport 53 counter accept comment "rule-7 dns"
    ip saddr @group-any ip daddr @group-zone-dc udp dport 123 counter accept comment "rule-7 ntp"
    ip saddr @group-any ip daddr @group-zone-dc tcp dport 443 counter accept comment "rule-7 https"
    ip saddr @group-any ip daddr @group-zone-dc tcp dport 636 counter accept comment "rule-7 ldaps"
    ip saddr @group-any ip daddr @group-zone-dc udp dport 514 counter accept comment "rule-7 syslog"
    ip saddr @group-any ip daddr @group-zone-dc tcp dport 6514 counter accept comment "rule-7 syslog"
    ip saddr @group-any ip daddr @group-zone-dc meta l4proto icmp counter accept comment "rule-7 icmp"
    ip saddr @group-zone-dc ip daddr @group-any tcp dport 22 counter accept comment "rule-8 ssh"
    ip saddr @group-zone-dc ip daddr @group-any meta l4proto icmp counter accept comment "rule-8 icmp"
    ip saddr @group-org-cambridgeshire-constabulary ip daddr @group-org-cambridgeshire-constabulary counter accept comment "same-org-cambridgeshire-constabulary any"
    limit rate 10/second burst 20 packets log prefix "netorch policy drop: " level info
    counter name "policy-drops" drop
  }
  chain policy-device {
    ct state established,related accept
    tcp dport 179 accept comment "bgp"
    tcp sport 179 accept comment "bgp"
    udp dport { 3784, 3785, 4784 } accept comment "bfd"
    meta l4proto icmp accept comment "icmp"
    iifname vmap @policy-sources
    ip saddr @group-zone-cps ip daddr @group-zone-police tcp dport 443 counter accept comment "rule-2 https"
    ip saddr @group-zone-cps ip daddr @group-zone-police meta l4proto icmp counter accept comment "rule-2 icmp"
    ip saddr @group-zone-dc ip daddr @group-any tcp dport 22 counter accept comment "rule-8 ssh"
    ip saddr @group-zone-dc ip daddr @group-any meta l4proto icmp counter accept comment "rule-8 icmp"
    ip saddr @group-org-cambridgeshire-constabulary ip daddr @group-org-cambridgeshire-constabulary counter accept comment "same-org-cambridgeshire-constabulary any"
    limit rate 10/second burst 20 packets log prefix "netorch input drop: " level info
    counter name "policy-input-drops" drop
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
