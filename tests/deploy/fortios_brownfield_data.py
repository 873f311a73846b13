"""A brownfield FortiGate for the FortiOS ownership tests: VDOM mode (root and dmz), an
operator `router bgp` (AS 65010, an Azure peer and an iBGP peer, a network, a
redistribution), an operator phase1/phase2 to Azure, firewall addresses and a policy,
its own `loopback0`, a certificate over several lines and a nested `config ipv6`."""

from __future__ import annotations

import re
from pathlib import Path

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "fortinet_fortios"
SPOKE = GOLDEN / "essex-basildon" / "esx-basildon-r1" / "config.fortios"

GLOBAL = """config system global
    set hostname "fgt-hq"
    set timezone 04
end
config system interface
    edit "port1"
        set vdom "root"
        set ip 198.51.100.30 255.255.255.248
        set allowaccess ping https ssh
        set type physical
        config ipv6
            set ip6-address 2001:db8:1::1/64
        end
    next
    edit "port2"
        set vdom "root"
        set ip 10.41.0.1 255.255.0.0
        set type physical
    next
    edit "loopback0"
        set vdom "root"
        set ip 10.255.0.1 255.255.255.255
        set type loopback
        set description "OSPF router-id"
    next
    edit "azure"
        set vdom "root"
        set type tunnel
        set interface "port1"
    next
end
config vpn certificate local
    edit "Fortinet_Factory"
        set comments "factory certificate"
        set certificate "-----BEGIN CERTIFICATE-----
MIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ
RTESMBAGA1UEChMJQmFsdGltb3JlMRMwEQYDVQQLEwpDeWJlclRydXN0MSIwIAYD
-----END CERTIFICATE-----"
    next
end
"""
ROOT = """config vpn ipsec phase1-interface
    edit "azure"
        set interface "port1"
        set ike-version 2
        set proposal aes256-sha256
        set dhgrp 14
        set remote-gw 20.50.60.70
        set psksecret ENC QUJDREVGR0g=
    next
end
config vpn ipsec phase2-interface
    edit "azure"
        set phase1name "azure"
        set proposal aes256-sha256
    next
end
config firewall address
    edit "azure-vnet"
        set subnet 10.100.0.0 255.255.0.0
    next
    edit "hq-lan"
        set subnet 10.41.0.0 255.255.0.0
    next
end
config firewall policy
    edit 1
        set name "hq-to-azure"
        set srcintf "port2"
        set dstintf "azure"
        set action accept
        set srcaddr "hq-lan"
        set dstaddr "azure-vnet"
        set schedule "always"
        set service "ALL"
    next
end
config router static
    edit 1
        set gateway 198.51.100.25
        set device "port1"
    next
end
config router bgp
    set as 65010
    set router-id 10.255.0.1
    set keepalive-timer 10
    config neighbor
        edit "169.254.21.1"
            set remote-as 65515
            set description "Azure VPN gateway"
            set ebgp-enforce-multihop enable
        next
        edit "10.41.0.254"
            set remote-as 65010
        next
    end
    config network
        edit 1
            set prefix 10.41.0.0 255.255.0.0
        next
    end
    config redistribute "connected"
        set status enable
    end
end
"""
DMZ = """config firewall address
    edit "web"
        set subnet 10.20.0.10 255.255.255.255
    next
end
"""
HEADER = "#config-version=FGVM64-7.2.5-FW-build1517-230606:opmode=0:vdom={vdom}:user=admin\n" \
         "#conf_file_ver=1\n#buildno=1517\n#global_vdom=1\n"
VDOM_MODE = (HEADER.format(vdom=1) + "config vdom\nedit root\nnext\nedit dmz\nnext\nend\n"
             "config global\n" + GLOBAL + "end\nconfig vdom\nedit root\n" + ROOT +
             "next\nedit dmz\n" + DMZ + "next\nend\n")
FLAT = HEADER.format(vdom=0) + GLOBAL + ROOT


# An operator's objects that say "netorch" without being netorch's (the review's
# /tmp/rv/fgt1 repro): free text, the exact marker on a physical port, a neighbour with
# the marker but not netorch's route-maps.
DECOYS = HEADER.format(vdom=0) + """config system interface
    edit "port1"
        set vdom "root"
        set ip 192.168.34.2 255.255.255.0
        set type physical
    next
    edit "port2"
        set vdom "root"
        set ip 10.41.0.1 255.255.0.0
        set type physical
        set description "netorch: lab LAN"
    next
    edit "vlan100"
        set vdom "root"
        set ip 10.41.100.1 255.255.255.0
        set interface "port2"
        set vlanid 100
        set description "netorchestration testbed"
    next
    edit "lab-lo"
        set vdom "root"
        set ip 10.255.9.9 255.255.255.255
        set type loopback
        set description "netorch lab loopback"
    next
end
config router prefix-list
    edit "site-hq"
        set comments "netorch-style naming, ops team"
        config rule
            edit 1
                set prefix 10.0.0.0 255.0.0.0
            next
        end
    next
end
config router bgp
    set as 65010
    set router-id 10.255.0.1
    config neighbor
        edit "192.0.2.77"
            set remote-as 65099
            set description "netorch-era peering to DC, keep"
        next
        edit "192.0.2.79"
            set remote-as 65099
            set description "netorch: DC peering, keep"
            set route-map-in "dc-in"
        next
    end
    config network
        edit 1
            set prefix 10.41.0.0 255.255.0.0
        next
    end
end
"""
# An operator's BGP networks and a static route at IDs netorch reserves for its own.
RESERVED_NETWORKS = FLAT.replace("""    edit 1
        set gateway 198.51.100.25
""", """    edit 1000000500
        set dst 172.16.0.0 255.240.0.0
        set blackhole enable
        set comment "netorch lab summary"
    next
    edit 1
        set gateway 198.51.100.25
""").replace("""            set prefix 10.41.0.0 255.255.0.0
        next
""", """            set prefix 10.41.0.0 255.255.0.0
        next
        edit 1000000001
            set prefix 172.16.0.0 255.240.0.0
        next
        edit 1000000007
            set prefix 192.168.0.0 255.255.0.0
        next
""")


def intended(*, asn: int | None = 65010, router_id: str | None = "10.255.0.1",
             vdom: str | None = None, loopback: str | None = None) -> str:
    """The rendered spoke config, as if the device had `asn:`, `router_id:`, `vdom:` and
    `loopback_interface:` set in the inventory."""
    # the golden's local certificate holds a placeholder key, which the simulator
    # refuses (as FortiOS would): these tests are about routing and tunnels
    text = re.sub(r"config vpn certificate local\n.*?\nend\n", "", SPOKE.read_text(),
                  flags=re.S)
    if asn is not None:
        text = text.replace("    set as 4200000034", f"    set as {asn}")
    if router_id is not None:
        text = text.replace("    set router-id 100.65.0.17", f"    set router-id {router_id}")
    if vdom is not None:
        text = text.replace('        set vdom "root"', f'        set vdom "{vdom}"', 1)
    if loopback is not None:
        text = text.replace('    edit "netorch-lo"', f'    edit "{loopback}"', 1)
    return text
