"""linux_strongswan with a fabric PKI: the CA, certificate, CRL and derived key render as
`pki-*` files (the key marked secret), swanctl.conf names them, deploy maps them into
swanctl's credential folders and never shows the key in a diff; a PSK fabric renders as
before (no `pki-*` file, no `cacerts`)."""

from __future__ import annotations

import base64
import shutil
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from netorch import api, pki
from netorch.deploy.redact import Scrubber, secrets_in
from netorch.deploy.targets import DeviceTarget
from netorch.keys import Secret, holds_key
from netorch.lab import labpki
from netorch.lab.pipeline import lab_inventory
from netorch.lab.spec import build_spec
from netorch.platforms.linux_strongswan import driver as linux
from netorch.render import RenderOptions

REPO = Path(__file__).resolve().parent
LAB_FIXTURES = REPO / "lab" / "fixtures"
SECRET = Secret(b"a test master secret, 32+ bytes long!")
PKI_FILES = {"pki-ca.crt", "pki-cert.crt", "pki-crl.pem", "pki-key.pem"}


@pytest.fixture
def cert_fabric(tmp_path: Path) -> tuple[api.Inventory, pki.FabricPki]:
    """three-site-cert as the lab runs it (every device Linux), with a PKI in tmp_path."""
    for name in ("three-site-cert.yaml", "three-site-cert.allocations.yaml"):
        shutil.copy(LAB_FIXTURES / name, tmp_path)
    loaded = api.load(tmp_path / "three-site-cert.yaml")
    inventory = lab_inventory(loaded, build_spec(loaded, "t-render"))
    found = labpki.prepare(tmp_path / "work", inventory, SECRET)
    assert found is not None
    return inventory, found


def _render(inventory: api.Inventory, fabric_pki: pki.FabricPki | None, *,
            redact: bool = False, dataplane: str = "kernel") -> dict[str, dict[str, str]]:
    return api.render(api.plan(inventory), SECRET, redact=redact,
                      options=RenderOptions(dataplane=dataplane, pki=fabric_pki))


def test_certificate_fabric_renders_ca_cert_crl_and_secret_key(cert_fabric) -> None:
    inventory, fabric_pki = cert_fabric
    files = _render(inventory, fabric_pki)["hub-r1"]
    assert set(files) >= PKI_FILES
    key = serialization.load_pem_private_key(files["pki-key.pem"].encode(), None)
    cert = x509.load_pem_x509_certificate(files["pki-cert.crt"].encode())
    assert cert.public_key() == key.public_key()
    ca = x509.load_pem_x509_certificate(files["pki-ca.crt"].encode())
    assert cert.issuer == ca.subject
    assert x509.load_pem_x509_crl(files["pki-crl.pem"].encode()).issuer == ca.subject
    assert holds_key(files["pki-key.pem"])
    assert not any(holds_key(files[n]) for n in PKI_FILES - {"pki-key.pem"})
    conf = files["swanctl.conf"]
    assert conf.count("certs = netorch.crt") == conf.count("cacerts = netorch-ca.crt") == 4
    assert conf.count("      revocation = relaxed\n") == 4
    assert "BEGIN" not in conf


def test_the_crl_names_the_ca_key_charon_looks_it_up_by(cert_fabric) -> None:
    """charon finds a loaded CRL only by the issuer's key identifier (strongSwan
    revocation_validator.c, check_crl): without an authorityKeyIdentifier the pushed CRL
    is loaded but never consulted, and a revoked peer is accepted."""
    inventory, fabric_pki = cert_fabric
    files = _render(inventory, fabric_pki)["hub-r1"]
    ca = x509.load_pem_x509_certificate(files["pki-ca.crt"].encode())
    crl = x509.load_pem_x509_crl(files["pki-crl.pem"].encode())
    aki = crl.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    ski = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert aki.key_identifier == ski.digest


def test_lab_and_kernel_dataplanes_carry_the_same_pki_files(cert_fabric) -> None:
    inventory, fabric_pki = cert_fabric
    kernel, lab = _render(inventory, fabric_pki), _render(inventory, fabric_pki,
                                                          dataplane="lab")
    for device, files in kernel.items():
        assert {n: files[n] for n in PKI_FILES} == {n: lab[device][n] for n in PKI_FILES}


def test_redacted_render_holds_no_key(cert_fabric) -> None:
    inventory, fabric_pki = cert_fabric
    files = _render(inventory, fabric_pki, redact=True)["hub-r1"]
    assert files["pki-key.pem"] == "<redacted>\n"
    assert "PRIVATE KEY" not in "".join(files.values())


def test_psk_fabric_renders_no_pki_file() -> None:
    inventory = api.load(LAB_FIXTURES / "three-site.yaml")
    assert api.load_pki(inventory) is None
    for files in _render(inventory, None).values():
        assert not PKI_FILES & set(files)
        assert "cacerts" not in files.get("swanctl.conf", "")


def _driver(files: dict[str, str]) -> linux.LinuxDriver:
    target = DeviceTarget("hub-r1", "linux_strongswan", "127.0.0.1", 22, "hub", files)
    return linux.LinuxDriver(target, _no_connection, _no_connection)


def _no_connection() -> object:
    raise AssertionError("planning never connects")


def _running(files: dict[str, str]) -> str:
    return "".join(f"@@netorch@@{n} {base64.b64encode(files.get(n, '').encode()).decode()}\n"
                   for n in linux.PATHS)


def test_deploy_maps_pki_files_into_swanctl_folders() -> None:
    assert linux.PATHS["pki-ca.crt"].endswith("/etc/swanctl/x509ca/netorch-ca.crt")
    assert linux.PATHS["pki-cert.crt"].endswith("/etc/swanctl/x509/netorch.crt")
    assert linux.PATHS["pki-crl.pem"].endswith("/etc/swanctl/x509crl/netorch.crl")
    assert linux.PATHS["pki-key.pem"].endswith("/etc/swanctl/private/netorch.key")
    assert linux.file_mode("pki-key.pem", "x") == 0o600
    assert linux.file_mode("pki-cert.crt", "x") == 0o644


def test_deploy_diff_never_shows_the_private_key(cert_fabric) -> None:
    inventory, fabric_pki = cert_fabric
    files = _render(inventory, fabric_pki)["hub-r1"]
    old_key = ("-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49OLDKEY\n"
               "-----END PRIVATE KEY-----\n")
    driver = _driver(files)
    change = driver.plan(_running({"pki-key.pem": old_key}))
    assert "install pki-key.pem" in change.commands
    assert "@@ private key replaced: contents not shown @@" in change.diff
    body = [line for line in files["pki-key.pem"].splitlines() if "-----" not in line]
    assert not any(line in change.diff for line in body)
    assert "OLDKEY" not in change.diff
    scrubbed = Scrubber(secrets_in(files.values()))(change.diff + "\n".join(body))
    assert not any(line in scrubbed for line in body)


def test_deploy_removes_pki_files_a_psk_render_leaves_out() -> None:
    driver = _driver({"swanctl.conf": "# Rendered by netorch x\n"})
    change = driver.plan(_running({"swanctl.conf": "# Rendered by netorch x\n",
                                   "pki-crl.pem": "-----BEGIN X509 CRL-----\n"}))
    assert change.commands == ["remove pki-crl.pem"]
    assert not change.conflicts


def test_unchanged_pki_files_deploy_nothing(cert_fabric) -> None:
    inventory, fabric_pki = cert_fabric
    files = _render(inventory, fabric_pki)["hub-r1"]
    assert not _driver(files).plan(_running(files))
