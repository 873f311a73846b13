"""Linux with strongSwan (swanctl) and FRR: XFRM interfaces, BGP, BFD, nftables.

The plugin: `PLATFORM` below; templates in `templates/linux_strongswan/` (with the
lab dataplane's `_lab_*.j2` partials, and its endpoints in `lab`); the deploy driver
(files over SFTP, then reloads) in `driver`, FRR's stale-line removal in `frr`; the
verify reader in `reader`. The lab runs every device as this platform.

A segmentation policy (`fabric.policy`) renders as nftables rules with conntrack in
netorch's own table, inside interfaces.sh (`_policy_nft.j2`); FRR's empty prefix set
denies every route.

A certificate fabric's CA certificate, device certificate, CRL and derived private key
render as `pki-*` files, which deploy writes into swanctl's credential folders (`driver`).
"""

from __future__ import annotations

from netorch.platforms import AES, Platform

# What ends a word in a shell script when it is not quoted.
SHELL_METACHARACTERS = " \t|&;<>()$`\\\"'*?[]#~{}"
# IFNAMSIZ (at most 15 bytes), no '/', ':' or whitespace; not ".", ".."; not netorch's.
INTERFACES = r"(?!xfrm\d+$)(?!vx\d+$)(?!lo$)[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}"

# What netorch names on a box (templates: `owned.name`): the header of the three files
# it owns whole ("Rendered by netorch"), its nftables table and its FRR BFD profile.
# The table (`table inet netorch`, loaded by interfaces.sh) is netorch's whole: the MSS
# clamp and, with a segmentation policy, its sets, counter and chains (names listed in
# templates/linux_strongswan/_policy_nft.j2). It is replaced in one transaction (`table`,
# `delete table`, `table {...}`); no other table is read or changed, and the ruleset is
# never flushed, so an operator's own tables and chains stay as they are.
OWNED = {"name": "netorch"}

PLATFORM = Platform(
    "linux_strongswan", "Linux with strongSwan (swanctl) and FRR",
    netmiko_device_type="linux", tunnel_interface="xfrm{index}",
    loopback_interface="lo",
    config_files=("swanctl.conf", "frr.conf", "interfaces.sh", "pki-ca.crt", "pki-cert.crt",
                  "pki-crl.pem", "pki-key.pem"),
    interface_pattern=INTERFACES, interface_example="eth0",
    separators={"interfaces.sh": SHELL_METACHARACTERS, "swanctl.conf": '{}#"\\'},
    encryption=AES | {"chacha20-poly1305"},
    dh_groups=frozenset({1, 2, 5, 14, 15, 16, 19, 20, 21, 22, 23, 24, 31}),
    owned=OWNED, driver=f"{__name__}.driver:LinuxDriver",
    reader=f"{__name__}.reader:read_linux", variables=f"{__name__}.lab:template_variables")
