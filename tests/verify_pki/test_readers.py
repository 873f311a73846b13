"""The four certificate readers on output in each platform's real format.

Sources of the sample formats:
- strongSwan: captured from a real charon 5.9.8 (`swanctl --list-certs --utc`, and with
  `--type x509 --flag none`), a throwaway CA, an own certificate with its key and a
  peer's expired one without (made like tests/realparsers' ThrowawayCA).
- IOS-XE: the layout of ntc-templates' tests/cisco_ios/show_crypto_pki_certificates/
  cisco_ios_show_crypto_pki_certificates_1.raw (networktocode/ntc-templates), its
  placeholder serials replaced by hex, plus a block for netorch's trustpoint.
- Junos: the field layout of Juniper's "show security pki local-certificate" reference
  (junos13.1 command summary: Certificate identifier, Serial number, Issuer, Subject,
  Subject string, Validity / Not after) and an SRX capture's Issuer/Subject lines
  ("Common name: CA01", "Subject string: CN=gw-01").
- FortiOS: Fortinet Community article 220961 (`get vpn certificate local details`:
  `== [ Fortinet_Factory ]`, Subject / Issuer / Valid to ... GMT / Serial Num
  colon-separated), plus a block for netorch's local certificate in the same layout.
"""

from __future__ import annotations

from pathlib import Path

from netorch.platforms.cisco_iosxe import reader as iosxe
from netorch.platforms.fortinet_fortios import reader as fortios
from netorch.platforms.juniper_junos import reader as junos
from netorch.platforms.linux_strongswan import reader as linux
from netorch.verify.certs import common_name
from netorch.verify.model import LiveCert
from netorch.verify.reader import certificate_reader

FIXTURES = Path(__file__).parent / "fixtures"


def _answer(command: str, name: str) -> object:
    text = (FIXTURES / name).read_text()
    return lambda sent: text if sent == command else ""


def test_strongswan_lists_only_the_certificate_it_holds_the_key_of() -> None:
    for name in ("strongswan-list-certs.txt", "strongswan-list-certs-x509-none.txt"):
        got = linux.read_certificates(_answer(linux.CERTS_COMMAND, name))  # type: ignore[arg-type]
        assert got == [LiveCert("CN=dev1.fabric.example",
                                "2F77CBEBB28A873AF8FFA5BCB4628634A7F7D243",
                                "2026-12-01T08:23:38Z", "CN=netorch test CA")]


def test_strongswan_without_certificates_or_charon_lists_none() -> None:
    assert linux.read_certificates(lambda _: "") == []
    assert linux.read_certificates(lambda _: "connecting to 'unix:///var/run/charon.vici' "
                                             "failed: No such file or directory\n") == []


def test_iosxe_lists_router_certificates_not_ca_ones() -> None:
    got = iosxe.read_certificates(_answer(  # type: ignore[arg-type]
        iosxe.CERTS_COMMAND, "iosxe-show-crypto-pki-certificates.txt"))
    assert [(c.serial, c.not_after, c.name) for c in got] == [
        ("4F1A2B3C4D5E6F708192A3B4C5D6E7F801020304", "2026-06-22T09:17:52Z",
         "netorch-eastern-region"),
        ("0A", "2023-06-22T09:17:52Z", "caserver.domain.com")]
    assert common_name(got[0].subject) == "bed-dunstable-r1.eastern-region"
    assert common_name(got[0].issuer) == "eastern-region fabric CA"


def test_junos_reads_the_certificate_its_ike_policy_names() -> None:
    detail = (FIXTURES / "junos-local-certificate-detail.txt").read_text()
    config = ("set security ike policy p1 certificate local-certificate "
              "netorch-eastern-region-cert\nset security ike policy p2 certificate "
              "local-certificate netorch-eastern-region-cert\n")
    sent: list[str] = []

    def send(command: str) -> str:
        sent.append(command)
        if command == junos.CONFIG_COMMAND:
            return config
        return detail if "certificate-id netorch-eastern-region-cert detail" in command else ""

    got = junos.read_certificates(send)
    assert got == [LiveCert("CN=dcs-fw1.eastern-region", "0A1B2C3D4E5F", "2026-06-22T09:17:00Z",
                            "Common name: eastern-region fabric CA",
                            "netorch-eastern-region-cert")]
    assert len(sent) == 2  # the id once, however many policies name it


def test_junos_without_the_certificate_loaded_lists_none() -> None:
    answers = {junos.CONFIG_COMMAND: "set security ike policy p certificate local-certificate c\n"}
    assert junos.read_certificates(lambda c: answers.get(
        c, "error: certificate-id c does not exist\n")) == []


def test_fortios_lists_every_local_certificate() -> None:
    got = fortios.read_certificates(_answer(  # type: ignore[arg-type]
        fortios.CERTS_COMMAND, "fortios-vpn-certificate-local-details.txt"))
    assert [(c.name, c.serial, c.not_after) for c in got] == [
        ("Fortinet_Factory", "11551155", "2056-05-26T20:48:33Z"),
        ("netorch-cps-east-fw1", "0FEDCBA987", "2026-06-22T09:17:52Z")]
    assert common_name(got[1].subject) == "cps-east-fw1.eastern-region"


def test_every_builtin_reader_has_a_certificate_reader_beside_it() -> None:
    for module in (iosxe, fortios, junos, linux):
        reader = next(getattr(module, n) for n in dir(module)
                      if n.startswith("read_") and n != "read_certificates")
        assert certificate_reader(reader) is module.read_certificates
