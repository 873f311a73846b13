"""A simulated IOS-XE device's live state: `show crypto ikev2 sa` and
`show ip bgp summary`, derived from its config (see `netorch.sim.state`)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from netorch.platforms.cisco_iosxe import sim_pki
from netorch.sim.state import Live, apply_faults

if TYPE_CHECKING:
    from netorch.platforms.cisco_iosxe.sim import IosXeDevice


def iosxe_live(device: IosXeDevice) -> Live:
    addresses: dict[str, str] = {}
    tunnels: list[tuple[str, str, str]] = []
    local_as, neighbors = "0", []
    for section in device.root.children:
        lines = [c.text for c in section.children]
        if section.text.startswith("interface "):
            name = section.text.split()[1]
            for text in lines:
                if m := re.match(r"ip address (\S+) \S+", text):
                    addresses[name] = m[1]
            dest = next((t.split()[2] for t in lines if t.startswith("tunnel destination")), None)
            src = next((t.split()[2] for t in lines if t.startswith("tunnel source")), "")
            if dest:
                tunnels.append((name, src, dest))
        if m := re.match(r"router bgp (\d+)", section.text):
            local_as = m[1]
            neighbors = [(t.split()[1], t.split()[3]) for t in lines
                         if re.match(r"neighbor \S+ remote-as \d+", t)]
    sas = [(n, addresses.get(src, src), dest) for n, src, dest in tunnels]
    return apply_faults(device, Live(sas, neighbors, local_as, "10.255.255.1"))


# `show crypto ikev2 sa detailed`'s words for an IKEv2 profile's authentication method
_AUTH = {"pre-share": "PSK", "ecdsa-sig": "ECDSA", "rsa-sig": "RSA"}


def auth_methods(device: IosXeDevice) -> dict[str, tuple[str, str]]:
    """{tunnel interface: (Auth sign, Auth verify)} from its IPsec profile's IKEv2
    profile (`authentication local|remote ...`); PSK where none is found."""
    sections = {s.text: [c.text for c in s.children] for s in device.root.children}

    def value(section: str, prefix: str) -> str:
        return next((t[len(prefix):] for t in sections.get(section, []) if t.startswith(prefix)),
                    "")

    out = {}
    for head in sections:
        if head.startswith("interface "):
            ipsec = value(head, "tunnel protection ipsec profile ").split(" ")[0]
            ike = value(f"crypto ipsec profile {ipsec}", "set ikev2-profile ")
            profile = f"crypto ikev2 profile {ike}"
            out[head.split()[1]] = (_AUTH.get(value(profile, "authentication local "), "PSK"),
                                    _AUTH.get(value(profile, "authentication remote "), "PSK"))
    return out


def iosxe_show(device: IosXeDevice, text: str) -> str | None:
    if re.fullmatch(r"show version", text):
        return f"Cisco IOS XE Software, Version 17.09.04a\n{device.hostname} uptime is 1 week\n"
    if m := re.fullmatch(r"show crypto pki certificates(?: (\S+))?", text):
        return sim_pki.show_certificates(device.root, m[1])
    if re.fullmatch(r"show crypto ikev2 sa", text):
        return _ios_sas(iosxe_live(device), auth_methods(device))
    if re.fullmatch(r"show (ip bgp|bgp ipv4 unicast) summary", text):
        return _ios_bgp(iosxe_live(device), device.faults.sas_down)
    if re.fullmatch(r"show crypto pki certificates", text):
        return _ios_certificates(device)
    return None


def _ios_certificates(device: IosXeDevice) -> str:
    """`show crypto pki certificates` from the running config's certificate chains, in
    IOS's layout (ntc-templates tests/cisco_ios/show_crypto_pki_certificates/*.raw):
    `Certificate` (the router's own) or `CA Certificate` blocks."""
    from cryptography import x509  # noqa: PLC0415 - lazy: only when certificates are asked

    out = []
    for chain in device.root.children:
        if not chain.text.startswith("crypto pki certificate chain "):
            continue
        for node in chain.children:
            words = node.text.split()
            hexes = "".join("".join(ln.split()) for ln in node.block if ln.strip() != "quit")
            try:
                cert = x509.load_der_x509_certificate(bytes.fromhex(hexes))
            except ValueError:
                continue
            kind = "CA Certificate" if words[1:2] == ["ca"] else "Certificate"
            out.append(_ios_certificate(kind, cert, chain.text.split()[-1]))
    return "\n".join(out)


def _ios_certificate(kind: str, cert: Any, trustpoint: str) -> str:
    def names(name: Any) -> str:
        return "".join(f"    {a.rfc4514_string().split('=')[0].lower()}="
                       f"{a.value}\n" for a in reversed(list(name)))

    def when(moment: Any) -> str:
        return f"{moment:%H:%M:%S} UTC {moment:%b} {moment.day} {moment:%Y}"

    return (f"{kind}\n  Status: Available\n"
            f"  Certificate Serial Number (hex): {cert.serial_number:02X}\n"
            f"  Certificate Usage: {'Signature' if kind.startswith('CA') else 'General Purpose'}"
            f"\n  Issuer: \n{names(cert.issuer)}  Subject:\n{names(cert.subject)}"
            f"  Validity Date: \n    start date: {when(cert.not_valid_before_utc)}\n"
            f"    end   date: {when(cert.not_valid_after_utc)}\n"
            f"  Associated Trustpoints: {trustpoint} \n  Storage: nvram:netorch.cer\n")


def _ios_sas(live: Live, auth: dict[str, tuple[str, str]]) -> str:
    out = [" IPv4 Crypto IKEv2  SA \n",
           f"{'Tunnel-id':<10}{'Local':<22}{'Remote':<22}{'fvrf/ivrf':<21}Status "]
    for index, (name, local, remote) in enumerate(live.sas, start=1):
        sign, verify = auth.get(name, ("PSK", "PSK"))
        out.append(f"{index:<10}{local + '/500':<22}{remote + '/500':<22}{'none/none':<21}READY  ")
        out.append("      Encr: AES-GCM, keysize: 256, PRF: SHA384, Hash: None, DH Grp:20, "
                   f"Auth sign: {sign}, Auth verify: {verify}")
        out.append("      Life/Active Time: 86400/42 sec")
    return "\n".join(out) + "\n\n"


def _ios_bgp(live: Live, down: bool) -> str:
    out = [f"BGP router identifier {live.router_id}, local AS number {live.local_as}",
           "BGP table version is 7, main routing table version 7", "",
           "Neighbor        V           AS MsgRcvd MsgSent   TblVer  InQ OutQ Up/Down  "
           "State/PfxRcd"]
    for address, asn in live.neighbors:
        state = "Active" if down else "1"
        updown = "never" if down else "00:10:42"
        out.append(f"{address:<15} 4 {asn:>12}      20      21        7    0    0 "
                   f"{updown:<8} {state}")
    return "\n".join(out) + "\n"
