"""Verify's linux_strongswan reader on real `swanctl --list-sas` output of both dataplanes.

Production (kernel ESP, CHILD_SA 0.0.0.0/0 bound to an XFRM interface) and the lab
(userspace ESP, CHILD_SA selecting only the two VXLAN endpoint /32s): a tunnel is matched
by its IKE_SA's addresses and is ESTABLISHED only with an INSTALLED CHILD_SA.
"""

from __future__ import annotations

from pathlib import Path

from netorch.platforms.linux_strongswan.reader import read_linux
from netorch.verify import TunnelStatus
from netorch.verify.compare import compare_device
from tests.deploy.planstub import End, Plan, Tunnel

FIXTURES = Path(__file__).parent / "fixtures" / "verify_linux"
BGP = '{"peers": {"100.64.0.4": {"state": "Established", "pfxRcd": 8}}}'


def _tunnel(hub: str, hub_ip: str, spoke: str, spoke_ip: str, underlay: str) -> Tunnel:
    return Tunnel(f"{hub}--{spoke}--{underlay}", End(hub, "100.64.0.4/31", hub_ip, hub_ip),
                  End(spoke, "100.64.0.5/31", spoke_ip, spoke_ip))


def _statuses(text: str, plan: Plan, device: str) -> dict[str, tuple[TunnelStatus, str]]:
    answers = {"swanctl --list-sas": text,
               "vtysh $NETORCH_VTYSH -c 'show bgp ipv4 unicast summary json'": BGP}
    tunnels, _ = compare_device(plan, device, read_linux(answers.__getitem__))
    return {t.tunnel: (t.status, t.detail) for t in tunnels}


def test_kernel_xfrm_sas_match_their_tunnels() -> None:
    spoke = "cam-parkside-r1"
    plan = Plan([_tunnel("dcn-r1", "172.16.1.2", spoke, "172.16.42.2", "private"),
                 _tunnel("dcn-r1", "198.51.100.2", spoke, "198.51.100.62", "internet"),
                 _tunnel("dcs-r1", "172.16.2.2", spoke, "172.16.42.2", "private")])
    got = _statuses((FIXTURES / "kernel-xfrm.txt").read_text(), plan, spoke)
    assert {k: v[0] for k, v in got.items()} == {
        "dcn-r1--cam-parkside-r1--private": TunnelStatus.ESTABLISHED,
        # a CHILD_SA being rekeyed beside its INSTALLED successor: still up
        "dcn-r1--cam-parkside-r1--internet": TunnelStatus.ESTABLISHED,
        # IKE_SA up, its only CHILD_SA not installed yet: not a working tunnel
        "dcs-r1--cam-parkside-r1--private": TunnelStatus.DOWN,
    }
    assert got["dcs-r1--cam-parkside-r1--private"][1] == (
        "IKE_SA ESTABLISHED, CHILD_SA dcs-r1-private INSTALLING")


def test_lab_libipsec_sas_match_by_ike_addresses_not_endpoint_selectors() -> None:
    spoke = "pol-hq-r1"
    plan = Plan([_tunnel("dcs-r1", "172.16.2.2", spoke, "172.16.11.2", "private"),
                 _tunnel("dcs-r1", "198.51.100.10", spoke, "198.51.100.18", "internet"),
                 _tunnel("dcn-r1", "172.16.1.2", spoke, "172.16.11.2", "private"),
                 _tunnel("dcn-r1", "198.51.100.2", spoke, "198.51.100.18", "internet"),
                 _tunnel("court-r1", "198.51.100.26", spoke, "198.51.100.18", "internet")])
    got = _statuses((FIXTURES / "lab-libipsec.txt").read_text(), plan, spoke)
    assert {k: v[0] for k, v in got.items()} == {
        "dcs-r1--pol-hq-r1--private": TunnelStatus.ESTABLISHED,
        "dcs-r1--pol-hq-r1--internet": TunnelStatus.ESTABLISHED,
        "dcn-r1--pol-hq-r1--private": TunnelStatus.DOWN,  # IKE_SA without CHILD_SA
        "dcn-r1--pol-hq-r1--internet": TunnelStatus.DOWN,  # IKE_SA re-connecting
        "court-r1--pol-hq-r1--internet": TunnelStatus.MISSING,
    }
    assert got["dcn-r1--pol-hq-r1--private"][1] == "IKE_SA ESTABLISHED, CHILD_SA none"


def test_an_established_sa_wins_over_a_duplicate_still_connecting() -> None:
    text = (FIXTURES / "lab-libipsec.txt").read_text()
    connecting = ("dcs-r1-private: #11, CONNECTING, IKEv2, 1111111111111111_i* 0_r\n"
                  "  local  'pol-hq-r1.lab' @ 172.16.11.2[4500]\n"
                  "  remote '%any' @ 172.16.2.2[4500]\n")
    plan = Plan([_tunnel("dcs-r1", "172.16.2.2", "pol-hq-r1", "172.16.11.2", "private")])
    got = _statuses(connecting + text, plan, "pol-hq-r1")
    assert got["dcs-r1--pol-hq-r1--private"][0] is TunnelStatus.ESTABLISHED
    assert got["dcs-r1-private"][0] is TunnelStatus.UNEXPECTED


def test_no_charon_means_every_tunnel_missing() -> None:
    text = "connecting to 'unix:///var/run/charon.vici' failed: No such file or directory\n"
    plan = Plan([_tunnel("dcs-r1", "172.16.2.2", "pol-hq-r1", "172.16.11.2", "private")])
    got = _statuses(text, plan, "pol-hq-r1")
    assert got == {"dcs-r1--pol-hq-r1--private": (TunnelStatus.MISSING,
                                                  "no SA to this peer address")}
