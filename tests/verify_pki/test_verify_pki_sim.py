"""verify on a certificate fabric, over SSH against the simulators: the certificate each
device presents (IOS-XE chain, Junos local certificate, FortiOS local certificate) held
against a PKI made in tmp_path from a copy of the example inventory."""

from __future__ import annotations

import datetime
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from netorch import api, pki
from netorch.deploy import Credentials, DeviceTarget
from netorch.keys import Secret
from netorch.pki.state import FabricPki
from netorch.pki.store import serial_hex
from netorch.platforms.cisco_iosxe.sim_pki import layout
from netorch.sim import fleet
from netorch.sim.server import Simulator
from netorch.verify import PRODUCTION, VerifyResult, origin_of
from netorch.verify.certs import check_device
from netorch.verify.live import verify_fabric
from netorch.verify.model import CertVerdict, LiveCert
from tests.deploy.planstub import Plan

ROOT = Path(__file__).resolve().parents[2]
DEVICES = {"bed-dunstable-r1": "cisco_iosxe", "dcs-fw1": "juniper_junos",
           "cps-east-fw1": "fortinet_fortios"}
TRUSTPOINT, CERT_ID = "netorch-eastern-region", "netorch-eastern-region-cert"
CREDS = Credentials("netorch", "lab-pass")


def _csr(key: ec.EllipticCurvePrivateKey, ike_id: str) -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ike_id)])
    csr = (x509.CertificateSigningRequestBuilder().subject_name(name)
           .add_extension(x509.SubjectAlternativeName([x509.DNSName(ike_id)]), critical=False)
           .sign(key, hashes.SHA256()))
    return csr.public_bytes(serialization.Encoding.PEM)


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pki.CaKeyFile]:
    """A copy of the example inventory with a fresh PKI: the CA, a derived-key
    certificate for the FortiGate, CSR-signed ones for the router and the SRX."""
    tmp = tmp_path_factory.mktemp("fabric")
    inventory = tmp / "eastern-region"
    shutil.copytree(ROOT / "inventories" / "eastern-region", inventory,
                    ignore=shutil.ignore_patterns("pki"))
    view = pki.fabric_view(api.load(inventory))
    key_file = pki.CaKeyFile(tmp / "keys" / "ca.key", b"a long test passphrase")
    pki.init(view, key_file)
    authority = pki.open_authority(view, key_file)
    fortigate = view.member("cps-east-fw1")
    assert fortigate is not None
    pki.issue(view, authority, Secret(b"0123456789abcdef-test-secret"), [fortigate])
    for name in ("bed-dunstable-r1", "dcs-fw1"):
        member = view.member(name)
        assert member is not None
        csr = tmp / f"{name}.csr"
        csr.write_bytes(_csr(ec.generate_private_key(ec.SECP256R1()), member.ike_id))
        # a fresh authority per operation: it carries the ledger it was opened with
        pki.sign(view, pki.open_authority(view, key_file), member, csr)
    return inventory, key_file


def _fabric_pki(inventory: Path) -> FabricPki:
    found = api.load_pki(api.load(inventory))
    assert found is not None
    return found


def _install(sim: Simulator, certs: dict[str, x509.Certificate | None],
             ca: x509.Certificate) -> None:
    """Put each device's certificate where its platform keeps it (None: none)."""
    router, srx, fortigate = (sim.devices[n] for n in DEVICES)
    chain = [f"crypto pki trustpoint {TRUSTPOINT}", " enrollment terminal", "!",
             f"crypto pki certificate chain {TRUSTPOINT}"]
    for kind, cert in (("", certs["bed-dunstable-r1"]), ("ca ", ca)):
        if cert is not None:
            chain += [f" certificate {kind}{cert.serial_number:X}",
                      *layout(cert.public_bytes(serialization.Encoding.DER)), "  \tquit"]
    router.load_text("hostname bed-dunstable-r1\n!\n" + "\n".join(chain) + "\n!\nend\n")
    srx.load_text(f"set security ike policy p1 certificate local-certificate {CERT_ID}\n")
    srx.pki.local.clear()  # type: ignore[attr-defined]
    if certs["dcs-fw1"] is not None:
        srx.pki.local[CERT_ID] = certs["dcs-fw1"]  # type: ignore[attr-defined]
    table = fortigate.tree.table("vpn certificate local")  # type: ignore[attr-defined]
    table.entries.clear()
    if certs["cps-east-fw1"] is not None:
        pem = certs["cps-east-fw1"].public_bytes(serialization.Encoding.PEM).decode()
        table.entry("netorch-cps-east-fw1").put("certificate", f'"{pem.strip()}"')


@pytest.fixture
def sim() -> Iterator[Simulator]:
    simulator = Simulator([fleet.make(p, n, f"198.51.100.{i + 10}")
                           for i, (n, p) in enumerate(DEVICES.items())])
    simulator.start()
    try:
        yield simulator
    finally:
        simulator.stop()


def _verify(sim: Simulator, fabric: FabricPki | None) -> dict[str, tuple[CertVerdict, str]]:
    targets = [DeviceTarget(n, p, "127.0.0.1", sim.devices[n].port, "site", {})
               for n, p in DEVICES.items()]
    report = verify_fabric(Plan([]), targets, CREDS, workers=3, pki=fabric)
    assert not report.errors, report.errors
    return {c.device: (c.status, c.detail) for c in report.certs}


def test_every_device_presents_the_inventorys_certificate(
        sim: Simulator, made: tuple[Path, pki.CaKeyFile]) -> None:
    fabric = _fabric_pki(made[0])
    _install(sim, {n: fabric.certs[n] for n in DEVICES}, fabric.ca)
    targets = [DeviceTarget(n, p, "127.0.0.1", sim.devices[n].port, "site", {})
               for n, p in DEVICES.items()]
    report = verify_fabric(Plan([]), targets, CREDS, workers=3, pki=fabric)
    assert {c.device: c.status for c in report.certs} == dict.fromkeys(DEVICES, CertVerdict.OK)
    for check in report.certs:
        cert = fabric.certs[check.device]
        assert check.serial == check.expected == serial_hex(cert.serial_number)
        assert check.not_after is not None and check.not_after[:10] == \
            f"{cert.not_valid_after_utc:%Y-%m-%d}"
    assert report.ok and "CERTIFICATE" in report.table()
    document = report.result(origin_of(made[0], "eastern-region", PRODUCTION))
    assert VerifyResult.read(json.loads(document.to_json())) == document
    assert document.schema_version == "1.1"


def test_an_old_a_missing_and_a_revoked_certificate_fail(
        sim: Simulator, made: tuple[Path, pki.CaKeyFile], tmp_path: Path) -> None:
    inventory, key_file = made
    fabric = _fabric_pki(inventory)
    old = fabric.certs["dcs-fw1"]
    view = pki.fabric_view(api.load(inventory))
    member = view.member("dcs-fw1")
    assert member is not None
    csr = tmp_path / "dcs-fw1.csr"
    csr.write_bytes(_csr(ec.generate_private_key(ec.SECP256R1()), member.ike_id))
    pki.sign(view, pki.open_authority(view, key_file), member, csr)  # the SRX keeps `old`
    router = view.member("bed-dunstable-r1")
    assert router is not None
    pki.revoke(view, pki.open_authority(view, key_file), router)
    fabric = _fabric_pki(inventory)
    _install(sim, {"bed-dunstable-r1": fabric.certs["bed-dunstable-r1"], "dcs-fw1": old,
                   "cps-east-fw1": None}, fabric.ca)
    got = _verify(sim, fabric)
    assert got["dcs-fw1"][0] is CertVerdict.MISMATCH
    assert got["dcs-fw1"][1] == (
        f"presents serial {serial_hex(old.serial_number)}, the inventory's is "
        f"{serial_hex(fabric.certs['dcs-fw1'].serial_number)}: not deployed yet, or an old "
        "certificate")
    assert got["cps-east-fw1"] == (CertVerdict.MISSING,
                                   "presents no certificate of this fabric")
    assert got["bed-dunstable-r1"][0] is CertVerdict.REVOKED


def test_a_psk_fabric_reads_no_certificate(sim: Simulator) -> None:
    assert _verify(sim, None) == {}


def test_expired_where_the_device_shows_it_or_by_the_inventorys_copy(
        made: tuple[Path, pki.CaKeyFile]) -> None:
    fabric = _fabric_pki(made[0])
    cert = fabric.certs["cps-east-fw1"]
    serial = serial_hex(cert.serial_number)
    later = cert.not_valid_after_utc + datetime.timedelta(days=1)
    shown = LiveCert("CN = cps-east-fw1.eastern-region", serial, "2020-01-01T00:00:00Z")
    assert check_device("cps-east-fw1", fabric, [shown]).status is CertVerdict.EXPIRED
    unshown = LiveCert("CN = cps-east-fw1.eastern-region", serial, None)
    assert check_device("cps-east-fw1", fabric, [unshown]).status is CertVerdict.OK
    expired = check_device("cps-east-fw1", fabric, [unshown], now=later)
    assert expired.status is CertVerdict.EXPIRED and expired.detail.startswith("expired ")
    assert check_device("cps-east-fw1", fabric, None).status is CertVerdict.UNREAD
