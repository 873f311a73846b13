"""A certificate fabric on Junos: the config netorch renders (a ca-profile that keeps
peers up without a CRL server, ECDSA by the profile's curve, netorch's certificate id),
and deploy loading the CA certificate, the device's own certificate and the CRL onto the
simulated SRX over SFTP, as the operator would with `request security pki ... load`.

The device's key pair is made on the (simulated) box, its CSR signed with netorch's
`pki sign`, as docs/pki.md tells the operator.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from netorch import api, pki
from netorch.deploy import Credentials, DeployOptions, DeviceTarget, Outcome, deploy_fabric
from netorch.platforms.juniper_junos import config as junos
from netorch.platforms.juniper_junos import pki as junos_pki
from netorch.platforms.juniper_junos.sim import JunosDevice, JunosSession
from netorch.sim.server import Simulator

ROOT = Path(__file__).resolve().parents[2]
CREDS = Credentials("netorch", "lab-pass")
DEVICE, OTHER = "sfk-lowestoft-r1", "sfk-hq-r1"  # the smallest Junos configs
PROFILE, CERT_ID = "netorch-eastern-region", "netorch-eastern-region-cert"
BASE = "set system host-name j1\nset interfaces ge-0/0/0 unit 0 family inet dhcp\n"


class Fabric:
    """A copy of the example inventory with a fresh CA (test passphrase, tmp key)."""

    def __init__(self, tmp: Path, profile: str = "ncsc-prime") -> None:
        self.path = tmp / "inv"
        shutil.copytree(ROOT / "inventories" / "eastern-region", self.path,
                        ignore=shutil.ignore_patterns("pki"))
        fabric = self.path / "fabric.yaml"
        fabric.write_text(fabric.read_text().replace("profile: ncsc-prime", f"profile: {profile}"))
        self.key = pki.CaKeyFile(tmp / "keys" / "ca.key", b"a long test passphrase, not real")
        pki.init(self.view(), self.key)

    def view(self) -> pki.FabricView:
        return pki.fabric_view(api.load(self.path))

    def sign(self, device: str, csr: str, tmp: Path) -> None:
        view = self.view()
        member = view.member(device)
        assert member is not None
        (tmp / f"{device}.csr").write_text(csr)
        pki.sign(view, pki.open_authority(view, self.key), member, tmp / f"{device}.csr")

    def revoke(self, device: str) -> None:
        view = self.view()
        member = view.member(device)
        assert member is not None
        pki.revoke(view, pki.open_authority(view, self.key), member)

    def render(self, device: str = DEVICE) -> dict[str, str]:
        inventory = api.load(self.path)
        options = api.RenderOptions(pki=api.load_pki(inventory))
        return dict(api.render(api.plan(inventory), redact=True, options=options,
                               devices={device})[device])


@pytest.fixture
def fabric(tmp_path: Path) -> Fabric:
    return Fabric(tmp_path)


@pytest.fixture
def sim() -> Iterator[Simulator]:
    device = JunosDevice("j1")
    device.load_text(BASE)
    with Simulator([device]) as simulator:
        yield simulator


def _cli(sim: Simulator, line: str) -> str:
    """One operational command typed on the simulated box."""
    device = sim.devices["j1"]
    return str(sim.call(lambda: JunosSession(device).handle(line).text))


def _deploy(sim: Simulator, files: dict[str, str]) -> Any:
    port = sim.devices["j1"].port
    target = DeviceTarget("j1", "juniper_junos", "127.0.0.1", port, "suffolk-lowestoft", files)
    return deploy_fabric([target], CREDS, DeployOptions(commit=True, audit_log=None)).devices[0]


def _pki_only(files: dict[str, str]) -> dict[str, str]:
    """The rendered files with config.set cut to its PKI lines and one IKE policy's
    certificate lines (what the driver reads its names from): a quick deploy."""
    lines = files["config.set"].splitlines(keepends=True)
    policy = next(ln.split()[4] for ln in lines if " certificate local-certificate " in ln)
    wanted = ("set security pki ", f"set security ike policy {policy} certificate ")
    keep = [ln for ln in lines if ln.startswith(wanted)]
    return {**files, "config.set": "".join(keep)}


def _csr(device: str, key: ec.EllipticCurvePrivateKey | None = None) -> str:
    """A CSR for `device`'s IKE identity made off the box (another key than the box's)."""
    key = key or ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{device}.eastern-region")])
    csr = x509.CertificateSigningRequestBuilder().subject_name(name).sign(key, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.PEM).decode()


def _box_csr(sim: Simulator, size: int = 256) -> str:
    """The operator's steps on the box (docs/pki.md): key pair, then its CSR."""
    made = _cli(sim, f"request security pki generate-key-pair certificate-id {CERT_ID} "
                     f"type ecdsa size {size}")
    assert "Generated key pair" in made
    out = _cli(sim, f"request security pki generate-certificate-request certificate-id "
                    f"{CERT_ID} subject CN={DEVICE}.eastern-region,O=netorch "
                    f"domain-name {DEVICE}.eastern-region digest sha-{size}")
    return out[out.index("-----BEGIN"):]


def test_certificate_config_follows_the_profile_and_keeps_peers_up_without_a_crl(
        fabric: Fabric) -> None:
    files = fabric.render()
    config = files["config.set"]
    assert f"set security pki ca-profile {PROFILE} ca-identity eastern-region\n" in config
    assert (f"set security pki ca-profile {PROFILE} revocation-check crl disable "
            "on-download-failure\n") in config
    assert " authentication-method ecdsa-signatures-256\n" in config
    assert f" certificate local-certificate {CERT_ID}\n" in config
    assert f" certificate trusted-ca ca-profile {PROFILE}\n" in config
    assert "not signed yet" in config
    assert sorted(files) == ["config.set", "pki-ca.crt", "pki-crl.pem"]  # no cert yet
    assert files["pki-ca.crt"].startswith("-----BEGIN CERTIFICATE-----\n")
    assert files["pki-crl.pem"].startswith("-----BEGIN X509 CRL-----\n")


def test_cnsa_signs_with_p384(tmp_path: Path) -> None:
    config = Fabric(tmp_path, "cnsa").render()["config.set"]
    assert " authentication-method ecdsa-signatures-384\n" in config
    assert "ecdsa-signatures-256" not in config


def test_without_a_pki_folder_the_certificate_stays_out_of_band() -> None:
    inventory = api.load(ROOT / "inventories" / "eastern-region")
    files = api.render(api.plan(inventory), redact=True, devices={DEVICE})[DEVICE]
    assert sorted(files) == ["config.set"]
    config = files["config.set"]
    assert "are loaded into the PKI out of band" in config
    assert f" certificate local-certificate {DEVICE}.eastern-region\n" in config
    assert "revocation-check crl disable on-download-failure" in config


def test_operator_ca_profiles_are_untouched_and_a_stale_one_of_netorchs_goes() -> None:
    running = BASE + (
        "set security pki ca-profile corp-ca ca-identity corp\n"
        "set security pki ca-profile corp-ca revocation-check crl url http://crl.corp/ca.crl\n"
        "set security pki ca-profile netorch-old-fabric ca-identity old-fabric\n")
    intended = (f"set security pki ca-profile {PROFILE} ca-identity eastern-region\n"
                f"set security pki ca-profile {PROFILE} revocation-check crl disable "
                "on-download-failure\n")
    change = junos.plan_change(running, intended)
    assert "delete security pki ca-profile netorch-old-fabric" in change.commands
    assert not [c for c in change.commands if "corp-ca" in c]
    assert not change.conflicts
    assert "corp-ca" not in junos.managed(running, intended)


def test_deploy_loads_ca_crl_then_the_signed_certificate_then_a_new_crl(
        fabric: Fabric, sim: Simulator, tmp_path: Path) -> None:
    box = sim.devices["j1"]
    first = _deploy(sim, fabric.render())
    assert first.outcome == Outcome.COMMITTED, first.error
    assert "+++ intended/pki ca:" in first.diff and "+++ intended/pki crl:" in first.diff
    assert PROFILE in box.pki.ca and PROFILE in box.pki.crl and not box.pki.local
    assert not box.pki.files  # the uploaded copies are removed after loading

    fabric.sign(DEVICE, _box_csr(sim), tmp_path)
    files = fabric.render()
    second = _deploy(sim, files)
    assert second.outcome == Outcome.COMMITTED, second.error
    assert second.diff.count("+++ intended/pki") == 1  # only the certificate
    cert = x509.load_pem_x509_certificate(files["pki-cert.crt"].encode())
    assert box.pki.local[CERT_ID].serial_number == cert.serial_number
    assert _deploy(sim, files).outcome == Outcome.UNCHANGED

    fabric.sign(OTHER, _csr(OTHER), tmp_path)
    fabric.revoke(OTHER)
    third = _deploy(sim, fabric.render())
    assert third.outcome == Outcome.COMMITTED, third.error
    assert "+++ intended/pki crl:" in third.diff and "pki cert" not in third.diff
    revoked = [r.serial_number for r in box.pki.crl[PROFILE]]
    assert len(revoked) == 1
    shown = _cli(sim, f"show security pki crl ca-profile {PROFILE} detail")
    assert f"{revoked[0]:x}" in shown


def test_a_certificate_for_another_key_fails_with_the_boxs_words(
        fabric: Fabric, sim: Simulator, tmp_path: Path) -> None:
    _box_csr(sim)
    fabric.sign(DEVICE, _csr(DEVICE), tmp_path)
    result = _deploy(sim, _pki_only(fabric.render()))
    assert result.outcome in (Outcome.ROLLED_BACK, Outcome.FAILED)
    assert result.error is not None
    assert "loading this device's certificate (pki-cert.crt) failed" in result.error
    assert f"does not match the key pair {CERT_ID}" in result.error
    assert "Traceback" not in result.error
    assert not [ln for ln in sim.devices["j1"].active if "netorch" in ln]  # rolled back


def test_a_box_without_sftp_is_a_clear_device_error(fabric: Fabric) -> None:
    device = JunosDevice("j1")
    device.load_text(BASE)
    device.sftp = None  # type: ignore[assignment,method-assign]  # a box with no sftp-server
    with Simulator([device]) as plain:
        result = _deploy(plain, _pki_only(fabric.render()))
    assert result.outcome in (Outcome.ROLLED_BACK, Outcome.FAILED)
    assert result.error is not None and "offers no SFTP subsystem" in result.error


@pytest.mark.parametrize(("line", "bad"), [
    (f"set security pki ca-profile {PROFILE} revocation-check crl disable on-download-fail",
     "on-download-fail"),
    (f"set security pki ca-profile {PROFILE} revocation-check crl refresh-interval 9000",
     "9000"),
    (f"set security pki ca-profile {PROFILE} revocation-chek disable", "revocation-chek"),
    (f"set security ike policy p certificate local-cert {CERT_ID}", "local-cert"),
    ("set security ike policy p certificate trusted-ca profile x", "profile"),
])
def test_the_box_refuses_malformed_pki_lines(line: str, bad: str) -> None:
    session = JunosSession(JunosDevice("j1"))
    session.handle("configure")
    reply = session.handle(line).text
    assert "syntax error" in reply
    caret = reply.splitlines()[0].index("^") - len("netorch@j1# ")
    assert line[caret:].startswith(bad)


def test_the_box_refuses_trust_in_an_undefined_ca_profile() -> None:
    session = JunosSession(JunosDevice("j1"))
    session.handle("configure")
    session.handle(f"set security ike policy p certificate trusted-ca ca-profile {PROFILE}")
    reply = session.handle("commit").text
    assert f"Referenced ca-profile {PROFILE} is not defined" in reply
    assert "commit complete" not in reply


def test_the_box_loads_only_what_junos_would(fabric: Fabric, sim: Simulator) -> None:
    files = fabric.render()
    box = sim.devices["j1"]
    box.pki.files["/var/tmp/crl.pem"] = files["pki-crl.pem"].encode()
    assert "not configured" in _cli(sim, f"request security pki ca-certificate load "
                                         f"ca-profile {PROFILE} filename /var/tmp/ca.crt")
    assert "Failed to load local certificate" in _cli(
        sim, f"request security pki local-certificate load certificate-id {CERT_ID} "
             "filename /var/tmp/missing.crt")
    assert "not loaded" in _cli(sim, f"request security pki crl load ca-profile {PROFILE} "
                                     "filename /var/tmp/crl.pem")
    assert "ECDSA key pairs only" in _cli(sim, "request security pki generate-key-pair "
                                               "certificate-id k type rsa size 2048")
    made = "request security pki generate-key-pair certificate-id k type ecdsa size 384"
    assert "key size 384 bits" in _cli(sim, made)
    assert "already exists" in _cli(sim, made)
    assert "does not exist" in _cli(sim, f"show security pki crl ca-profile {PROFILE} detail")


def test_a_rehearsal_box_takes_the_signed_certificate_without_its_key_pair(
        fabric: Fabric, sim: Simulator, tmp_path: Path) -> None:
    """A rehearsal's box stands in for a real one, whose running config says nothing of
    its PKI: the inventory's signed certificate says the box made the key pair."""
    fabric.sign(DEVICE, _csr(DEVICE), tmp_path)
    box = sim.devices["j1"]
    box.pki.files["/var/tmp/c.crt"] = fabric.render()["pki-cert.crt"].encode()
    load = f"request security pki local-certificate load certificate-id {CERT_ID} " \
           "filename /var/tmp/c.crt"
    assert "Key pair" in _cli(sim, load)
    box.rehearsal = True
    assert "loaded successfully" in _cli(sim, load)


def test_a_new_ca_reloads_the_crl_and_a_new_certificate_does_not(fabric: Fabric) -> None:
    files = fabric.render()
    wanted = junos_pki.items(files["config.set"], files)
    have = {i.kind: i.want for i in wanted}
    assert junos_pki.stale(wanted, have) == []
    assert [i.kind for i in junos_pki.stale(wanted, {**have, "ca": None})] == ["ca", "crl"]
    assert [i.kind for i in junos_pki.stale(wanted, {**have, "crl": "x"})] == ["crl"]
    assert junos_pki.items(files["config.set"], {"config.set": files["config.set"]}) == []
