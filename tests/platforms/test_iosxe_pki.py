"""IOS-XE with the fabric PKI (issue 16): the trustpoint enrols an EC key, the certificate
chain holds the CA's and the router's certificates as IOS prints them, deploy types them
in (and replaces a renewed one) without touching the operator's trustpoints, and the
simulator takes what IOS takes and refuses what it refuses."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from netorch import api, pki
from netorch.deploy import Credentials, DeployOptions, Outcome, build_targets, deploy_fabric
from netorch.platforms.cisco_iosxe import config as ios
from netorch.platforms.cisco_iosxe import pki as ios_pki
from netorch.platforms.cisco_iosxe.reader import read_certificates
from netorch.platforms.cisco_iosxe.sim import IosXeDevice, IosXeSession
from netorch.render import RenderOptions
from netorch.sim.server import Simulator

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "inventories" / "eastern-region"
E2E = ROOT / "tests" / "deploy" / "fixtures" / "e2e-fabric.yaml"
AWS = (ROOT / "tests" / "deploy" / "fixtures" / "iosxe-brownfield" / "aws-vpn.cfg").read_text()
CREDS = Credentials("netorch", "lab-pass")
TP = "netorch-e2e"


def _chain_certs(config: str, name: str) -> dict[str, bytes]:
    """{`ca SERIAL` or SERIAL: DER} of chain `name` in a config text."""
    section = next(s for s in ios.sections(config) if s[0] == f"{ios_pki.HEAD}{name}")
    return {k: bytes.fromhex(v) for k, v in ios_pki.certificates(section).items()}


def _openssl(der: bytes, *args: str) -> str:
    return subprocess.run(["openssl", "x509", "-inform", "DER", "-noout", *args], input=der,
                          capture_output=True, check=True).stdout.decode()


def _der(path: Path) -> bytes:
    return x509.load_pem_x509_certificate(path.read_bytes()).public_bytes(
        serialization.Encoding.DER)


# --- the example fabric (its pki folder is committed) ----------------------------------

@pytest.fixture(scope="module")
def example() -> dict[str, dict[str, str]]:
    inventory = api.load(EXAMPLE)
    return api.render(api.plan(inventory), redact=True,
                      options=RenderOptions(pki=api.load_pki(inventory)))


def test_the_chain_is_the_pki_folders_certificates_in_hex_openssl_reads(
        example: dict[str, dict[str, str]]) -> None:
    config = example["dcn-r1"]["config.ios"]
    certs = _chain_certs(config, "netorch-eastern-region")
    (mine,) = [k for k in certs if not k.startswith("ca ")]
    (ca,) = [k for k in certs if k.startswith("ca ")]
    assert certs[mine] == _der(EXAMPLE / "pki" / "certs" / "dcn-r1.crt")
    assert certs[ca] == _der(EXAMPLE / "pki" / "ca.crt")
    assert _openssl(certs[mine], "-serial").strip() == f"serial={mine}"
    assert "dcn-r1.eastern-region" in _openssl(certs[mine], "-subject")
    assert _openssl(certs[ca], "-serial").strip() == f"serial={ca.removeprefix('ca ')}"
    # IOS's layout: two spaces, 8-digit upper-case groups, 32 bytes a line, `quit` tabbed
    body = config[config.index("crypto pki certificate chain"):]
    hex_lines = body.splitlines()[2:8]
    assert all(re.fullmatch(r"  [0-9A-F]{8}( [0-9A-F]{8}){7}", ln) for ln in hex_lines)
    assert "\n  \tquit\n certificate ca " in body


def test_the_trustpoint_enrols_an_ec_key_and_never_waits_for_a_crl(
        example: dict[str, dict[str, str]]) -> None:
    config = example["bed-hq-r1"]["config.ios"]
    trustpoint = next(s for s in ios.sections(config) if s[0].startswith("crypto pki trustp"))
    assert trustpoint == ["crypto pki trustpoint netorch-eastern-region",
                          " enrollment terminal", " fqdn bed-hq-r1.eastern-region",
                          " subject-name CN=bed-hq-r1.eastern-region",
                          " revocation-check crl none", " eckeypair netorch-eastern-region",
                          " hash sha256"]
    assert " authentication local ecdsa-sig\n" in config
    assert " authentication remote ecdsa-sig\n" in config
    assert "crypto key generate ec keysize 256 label netorch-eastern-region" in config


def test_without_a_pki_folder_only_the_ec_key_and_crl_fallback_change(tmp_path: Path) -> None:
    """A certificate fabric whose certificates are out of band: today's trustpoint, with
    the two fixes of the issue (`eckeypair`, `revocation-check crl none`), no chain."""
    path = tmp_path / "e2e.yaml"
    path.write_text(_e2e_text("certificate"))
    inventory = api.load(path)
    api.allocate(inventory, create=True)
    assert api.load_pki(api.load(path)) is None
    config = api.render(api.plan(api.load(path)), redact=True)["r1"]["config.ios"]
    assert "are enrolled into this trustpoint out of band." in config
    assert " revocation-check crl none\n eckeypair netorch-e2e\n!\n" in config
    assert "certificate chain" not in config and " hash " not in config


# --- a PKI made here: the contract's init, sign (device-held key), renew ----------------

def _e2e_text(auth: str, port: int = 22) -> str:
    """The e2e fabric; r1 joins the AWS router's BGP process (AS 65000)."""
    text = E2E.read_text().replace("{auth}", auth).replace("{extra}", "")
    text = text.replace(":{r1}\n", f":{port}\n        asn: 65000\n        router_id: 10.255.0.1\n")
    return text.replace(":{j1}", ":22").replace(":{f1}", ":22")


class Fabric:
    """The e2e fabric (certificate auth) in a folder, with a CA and r1's key on 'the
    router' (made here, as `crypto key generate ec` would)."""

    def __init__(self, tmp: Path, port: int = 22) -> None:
        self.path = tmp / "inventory.yaml"
        self.path.write_text(_e2e_text("certificate", port))
        api.allocate(api.load(self.path), create=True)
        self.view = pki.fabric_view(api.load(self.path))
        self.keys = pki.CaKeyFile(tmp / "keys" / "ca.key", b"a long test passphrase")
        pki.init(self.view, self.keys)
        self.tmp = tmp

    def sign_r1(self, curve: ec.EllipticCurve | None = None) -> None:
        key = ec.generate_private_key(curve or ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, self.ike_id)])
        csr = x509.CertificateSigningRequestBuilder().subject_name(name).sign(key,
                                                                              hashes.SHA256())
        path = self.tmp / "r1.csr"
        path.write_bytes(csr.public_bytes(serialization.Encoding.PEM))
        view = pki.fabric_view(api.load(self.path))
        member = view.member("r1")
        assert member is not None
        pki.sign(view, pki.open_authority(view, self.keys), member, path)

    @property
    def ike_id(self) -> str:
        member = self.view.member("r1")
        assert member is not None
        return member.ike_id

    def render(self) -> str:
        inventory = api.load(self.path)
        options = RenderOptions(pki=api.load_pki(inventory))
        return api.render(api.plan(inventory), redact=True, options=options)["r1"]["config.ios"]


def _type(device: IosXeDevice, commands: list[str]) -> list[str]:
    """Type `commands` in config mode, answering IOS's [yes/no] like the driver; replies."""
    session = IosXeSession(device)
    session.handle("configure terminal")
    replies = []
    for command in commands:
        text = session.handle(command).text
        if "[yes/no]" in text:
            text += session.handle("yes").text
        replies.append(text)
    session.handle("end")
    return replies


def test_before_a_certificate_is_signed_the_chain_holds_the_cas(tmp_path: Path) -> None:
    config = Fabric(tmp_path).render()
    assert "! No certificate is issued to this router yet" in config
    certs = _chain_certs(config, TP)
    assert [k[:3] for k in certs] == ["ca "]


def test_first_deploy_types_the_chain_then_nothing_and_the_operators_tp_stays(
        tmp_path: Path) -> None:
    fabric = Fabric(tmp_path)
    fabric.sign_r1()
    intended = fabric.render()
    device = IosXeDevice("r1")
    device.load_text(AWS)
    change = ios.plan_change(device.running_text(), intended)
    assert not any("TP-self-signed" in c for c in change.commands)
    chain_at = change.commands.index(f"crypto pki certificate chain {TP}")
    assert change.commands.index(f"crypto pki trustpoint {TP}") < chain_at
    replies = _type(device, change.commands)
    assert not [r for r in replies if r.startswith("%")], replies
    after = device.running_text()
    assert _chain_certs(after, TP) == _chain_certs(intended, TP)
    assert _chain_certs(after, "TP-self-signed-2144516896") == _chain_certs(
        AWS, "TP-self-signed-2144516896")
    assert ios.plan_change(after, intended).commands == []
    sas = IosXeSession(device).handle("show crypto ikev2 sa").text
    assert "Auth sign: ECDSA, Auth verify: ECDSA" in sas  # netorch's tunnels
    assert "Auth sign: PSK, Auth verify: PSK" in sas  # the operator's AWS tunnels
    session = IosXeSession(device)
    (mine,) = read_certificates(lambda command: session.handle(command).text)
    (serial,) = [k for k in _chain_certs(intended, TP) if not k.startswith("ca ")]
    assert (mine.serial, mine.name) == (serial, TP)
    assert mine.subject == f"cn={fabric.ike_id}" and mine.not_after


def test_a_renewed_certificate_replaces_the_old_one(tmp_path: Path) -> None:
    fabric = Fabric(tmp_path)
    fabric.sign_r1()
    first = fabric.render()
    device = IosXeDevice("r1")
    _type(device, ios.plan_change(device.running_text(), first).commands)
    fabric.sign_r1()
    renewed = fabric.render()
    (old,) = [k for k in _chain_certs(first, TP) if not k.startswith("ca ")]
    (new,) = [k for k in _chain_certs(renewed, TP) if not k.startswith("ca ")]
    commands = ios.plan_change(device.running_text(), renewed).commands
    assert commands[:3] == [f"crypto pki certificate chain {TP}", f"no certificate {old}",
                            f"certificate {new}"]
    _type(device, commands)
    assert set(_chain_certs(device.running_text(), TP)) == set(_chain_certs(renewed, TP))
    assert ios.plan_change(device.running_text(), renewed).commands == []


def test_netorch_never_removes_a_trustpoint_or_chain_it_no_longer_renders(
        tmp_path: Path) -> None:
    fabric = Fabric(tmp_path)
    fabric.sign_r1()
    device = IosXeDevice("r1")
    _type(device, ios.plan_change(device.running_text(), fabric.render()).commands)
    psk = tmp_path / "psk.yaml"
    psk.write_text(_e2e_text("psk"))
    api.allocate(api.load(psk), create=True)
    intended = api.render(api.plan(api.load(psk)), redact=True)["r1"]["config.ios"]
    commands = ios.plan_change(device.running_text(), intended).commands
    assert not any(c.startswith(("no crypto pki", "no certificate")) for c in commands)


def test_a_p384_fabric_hashes_with_sha384(tmp_path: Path) -> None:
    path = tmp_path / "inventory.yaml"
    path.write_text(_e2e_text("certificate").replace("profile: ncsc-prime", "profile: cnsa"))
    api.allocate(api.load(path), create=True)
    view = pki.fabric_view(api.load(path))
    pki.init(view, pki.CaKeyFile(tmp_path / "keys" / "ca.key", b"a long test passphrase"))
    inventory = api.load(path)
    config = api.render(api.plan(inventory), redact=True,
                        options=RenderOptions(pki=api.load_pki(inventory)))["r1"]["config.ios"]
    assert " hash sha384\n" in config and "keysize 384 label netorch-e2e" in config


# --- the simulator refuses what IOS refuses --------------------------------------------

@pytest.fixture(scope="module")
def ca_der() -> bytes:
    return _der(EXAMPLE / "pki" / "ca.crt")


def _session() -> tuple[IosXeDevice, IosXeSession]:
    device = IosXeDevice("r")
    session = IosXeSession(device)
    session.handle("configure terminal")
    session.handle("crypto pki trustpoint T")
    session.handle("eckeypair T")
    session.handle("exit")
    return device, session


def test_a_chain_for_an_unknown_trustpoint_is_refused() -> None:
    _, session = _session()
    assert session.handle("crypto pki certificate chain NOPE").text.startswith("% Error")


def test_hex_that_is_not_hex_gets_the_caret_under_the_word(ca_der: bytes) -> None:
    _, session = _session()
    session.handle("crypto pki certificate chain T")
    serial = format(x509.load_der_x509_certificate(ca_der).serial_number, "X")
    session.handle(f"certificate ca {serial}")
    reply = session.handle("30820204 3082ZZAA")
    assert "% Invalid input" in reply.text and session.prompt() == "r(config-pubkey)#"
    assert reply.text.splitlines()[0].index("^") == len("r(config-pubkey)#30820204 ")


@pytest.mark.parametrize(("header", "body", "error"), [
    ("certificate ca 01", "3082", "% Error in certificate: not a DER"),
    ("certificate ca 01", "308", "% Error in certificate: an odd number"),
    ("certificate ca 01", None, "% Error in certificate: its serial is"),
])
def test_a_certificate_ios_would_refuse_is_not_kept(ca_der: bytes, header: str,
                                                    body: str | None, error: str) -> None:
    device, session = _session()
    session.handle("crypto pki certificate chain T")
    session.handle(header)
    session.handle(body if body is not None else ca_der.hex().upper())
    assert session.handle("quit").text.startswith(error)
    assert "certificate ca" not in device.running_text()


def test_a_typed_certificate_shows_in_ios_layout_and_survives_a_reload(ca_der: bytes) -> None:
    device, session = _session()
    serial = format(x509.load_der_x509_certificate(ca_der).serial_number, "X")
    session.handle("crypto pki certificate chain T")
    session.handle(f"certificate ca {serial}")
    text = ca_der.hex()  # lower case, one long line: IOS re-lays it out
    session.handle(text)
    assert session.handle("quit").text == ""
    shown = device.running_text()
    assert f"crypto pki certificate chain T\n certificate ca {serial}\n  308" in shown
    assert _chain_certs(shown, "T") == {f"ca {serial}": ca_der}
    again = IosXeDevice("r")
    again.load_text(shown)
    assert again.running_text() == shown
    assert session.handle(f"no certificate ca {serial}").text.endswith("[yes/no]: ")
    assert session.prompt() == ""
    assert "revoke" in session.handle("yes").text
    assert "certificate ca" not in device.running_text()


# --- the real driver over SSH ------------------------------------------------------------

@pytest.fixture
def seeded() -> Iterator[tuple[Simulator, IosXeDevice]]:
    device = IosXeDevice("r1")
    device.load_text(AWS)
    with Simulator([device]) as sim:
        yield sim, device


def test_deploy_over_ssh_enrols_then_renews_through_the_yes_no_question(
        seeded: tuple[Simulator, IosXeDevice], tmp_path: Path) -> None:
    sim, device = seeded
    fabric = Fabric(tmp_path, port=device.port)
    fabric.sign_r1()
    options = DeployOptions(commit=True, audit_log=tmp_path / "audit.jsonl")

    def deploy() -> Outcome:
        files = {"r1": {"config.ios": fabric.render()}}
        plan = api.plan(api.load(fabric.path))
        targets = build_targets([d for d in plan.devices if d.name == "r1"], files)
        (result,) = deploy_fabric(targets, CREDS, options).devices
        return result.outcome

    assert deploy() is Outcome.COMMITTED
    assert deploy() is Outcome.UNCHANGED
    fabric.sign_r1()
    assert deploy() is Outcome.COMMITTED
    after = sim.call(device.running_text)
    assert set(_chain_certs(after, TP)) == set(_chain_certs(fabric.render(), TP))
    assert set(ios.lines(AWS)) - set(ios.lines(after)) == set()
    assert deploy() is Outcome.UNCHANGED
