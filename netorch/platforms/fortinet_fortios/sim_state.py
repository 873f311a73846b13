"""A simulated FortiOS device's live state: `get vpn ipsec tunnel summary` and
`get router info bgp summary`, derived from its config (see `netorch.sim.state`)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from netorch.sim.state import Live, apply_faults

if TYPE_CHECKING:
    from netorch.platforms.fortinet_fortios.sim import FortiOsDevice


def fortios_live(device: FortiOsDevice) -> Live:
    phase1 = device.root.table("vpn ipsec phase1-interface")
    interfaces = device.root.table("system interface")
    sas = []
    for name, entry in phase1.items():
        port = entry.settings.get("interface", "").strip('"')
        local_ip = interfaces[port].settings.get("ip", "") if port in interfaces else ""
        sas.append((name, local_ip.split(" ")[0], entry.settings.get("remote-gw", "")))
    bgp = device.root.children.get("router bgp")
    local_as = bgp.settings.get("as", "0") if bgp else "0"
    neighbors = [(name, e.settings.get("remote-as", "0"))
                 for name, e in (bgp.table("neighbor").items() if bgp else [])]
    return apply_faults(device, Live(sas, neighbors, local_as, "10.255.255.3"))


def fortios_show(device: FortiOsDevice, text: str) -> str | None:
    live = fortios_live(device)
    if re.fullmatch(r"get vpn ipsec tunnel summary", text):
        return "".join(f"'{name}' {remote}:0  selectors(total,up): 1/1  rx(pkt,err): 12/0  "
                       f"tx(pkt,err): 12/0\n" for name, _, remote in live.sas)
    if re.fullmatch(r"get router info bgp summary", text):
        down = device.faults.sas_down
        rows = [f"{a:<15} 4 {asn:>10}      20      21        7    0    0 "
                f"{'never' if down else '00:10:42'} {'Active' if down else '1'}"
                for a, asn in live.neighbors]
        return (f"BGP router identifier {live.router_id}, local AS number {live.local_as}\n"
                "BGP table version is 7\n1 BGP AS-PATH entries\n0 BGP community entries\n\n"
                "Neighbor        V         AS MsgRcvd MsgSent   TblVer  InQ OutQ Up/Down  "
                "State/PfxRcd\n" + "\n".join(rows) +
                f"\n\nTotal number of neighbors {len(rows)}\n")
    if text == "get vpn certificate local details":
        return _local_certificates(device)
    return None


def _local_certificates(device: FortiOsDevice) -> str:
    """`get vpn certificate local details` from the `vpn certificate local` entries that
    hold a certificate, in FortiOS's layout (Fortinet Community article 220961:
    `== [ NAME ]`, `Subject:`, `Issuer:`, `Valid to: ... GMT`, `Serial Num:`)."""
    from cryptography import x509  # noqa: PLC0415 - lazy: only when certificates are asked

    out = []
    for name, entry in device.root.table("vpn certificate local").items():
        pem = entry.settings.get("certificate", "").strip().strip('"').encode()
        try:
            cert = x509.load_pem_x509_certificate(pem)
        except ValueError:
            continue
        serial = f"{cert.serial_number:X}"
        serial = ("0" * (len(serial) % 2) + serial).lower()
        out.append(f"== [ {name} ]\nName:        {name}\n"
                   f"Subject:     {_dn(cert.subject)}\nIssuer:      {_dn(cert.issuer)}\n"
                   f"Valid from:  {cert.not_valid_before_utc:%Y-%m-%d %H:%M:%S}  GMT\n"
                   f"Valid to:    {cert.not_valid_after_utc:%Y-%m-%d %H:%M:%S}  GMT\n"
                   f"Serial Num:  {':'.join(serial[i:i + 2] for i in range(0, len(serial), 2))}\n")
    return "".join(out)


def _dn(name: Any) -> str:
    return ", ".join(a.rfc4514_string().replace("=", " = ", 1) for a in name)

