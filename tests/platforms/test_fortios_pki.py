"""A certificate fabric on FortiOS (issue 16): `vpn certificate ca` / `crl` / `local`
rendered line by line, owned by name, deployed into the simulated FortiGate.

The certificates are made here (cryptography), shaped as `netorch pki` makes them, and
handed to the template as the `pki` variable the render context builds (`DevicePki`).
"""

from __future__ import annotations

import dataclasses
import textwrap
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from netorch import api
from netorch.keys import REDACTED, Key, SecretText
from netorch.pki import CertView, DevicePki, key_spec
from netorch.plan.model import FabricPlan
from netorch.platforms.fortinet_fortios import config as fortios
from netorch.platforms.fortinet_fortios.names import TABLES
from netorch.platforms.fortinet_fortios.sim import FortiOsDevice, FortiOsSession
from netorch.render.context import device_contexts
from netorch.render.engine import Renderer, platform_variables

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "inventories" / "eastern-region"
DEVICE = "esx-basildon-r1"
FAILED = ("Command fail", "parse error")
NOW = datetime(2026, 11, 1, tzinfo=UTC)


@dataclasses.dataclass(frozen=True)
class Pki:
    """A test CA, one device's key and certificate, a CRL."""

    ca_key: ec.EllipticCurvePrivateKey
    ca: x509.Certificate
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate
    crl: x509.CertificateRevocationList


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, cn)])


def _cert(cn: str, key: ec.EllipticCurvePrivateKey, issuer: x509.Certificate | None,
          signer: ec.EllipticCurvePrivateKey, serial: int) -> x509.Certificate:
    builder = (x509.CertificateBuilder().subject_name(_name(cn))
               .issuer_name(issuer.subject if issuer else _name(cn))
               .public_key(key.public_key()).serial_number(serial)
               .not_valid_before(NOW).not_valid_after(NOW + timedelta(days=365))
               .add_extension(x509.BasicConstraints(ca=issuer is None, path_length=None),
                              critical=True))
    return builder.sign(signer, hashes.SHA256())


def make_pki(ike_id: str = f"{DEVICE}.eastern-region", serial: int = 0x1001,
             curve: ec.EllipticCurve | None = None, pki: Pki | None = None) -> Pki:
    """A fresh PKI, or (given `pki`) a new device certificate and key from its CA."""
    curve = curve or ec.SECP256R1()
    ca_key = pki.ca_key if pki else ec.generate_private_key(curve)
    ca = pki.ca if pki else _cert("eastern-region fabric CA", ca_key, None, ca_key, 1)
    key = ec.generate_private_key(curve)
    crl = (x509.CertificateRevocationListBuilder().issuer_name(ca.subject)
           .last_update(NOW).next_update(NOW + timedelta(days=30)).sign(ca_key, hashes.SHA256()))
    return Pki(ca_key, ca, key, _cert(ike_id, key, ca, ca_key, serial), crl)


def _view(cert: x509.Certificate) -> CertView:
    der = cert.public_bytes(serialization.Encoding.DER).hex().upper()
    return CertView(pem_lines=cert.public_bytes(serialization.Encoding.PEM).decode().splitlines(),
                    hex_lines=[" ".join(textwrap.wrap(der[i:i + 64], 8))
                               for i in range(0, len(der), 64)],
                    serial_hex=f"{cert.serial_number:X}",
                    subject_cn=str(cert.subject.rfc4514_string()).removeprefix("CN="),
                    not_after=cert.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ"))


def key_lines(key: ec.EllipticCurvePrivateKey) -> list[str]:
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    return [Key(line) for line in pem.splitlines()]


def device_pki(pki: Pki, *, key: list[str] | None = None, crl: bool = True,
               issued: bool = True, profile: str = "ncsc-prime") -> DevicePki:
    """The template's `pki` as the render context builds it (key: derived, with the
    master secret; [] without it; [REDACTED] under --redact)."""
    return DevicePki(ca_name="eastern-region", key=key_spec(profile), key_source="derived",
                     ca=_view(pki.ca), cert=_view(pki.cert) if issued else None,
                     crl_pem_lines=pki.crl.public_bytes(serialization.Encoding.PEM)
                     .decode().splitlines() if crl else [],
                     key_pem_lines=key_lines(pki.key) if key is None else key)


@cache
def _plan() -> FabricPlan:
    return api.plan(api.load(EXAMPLE))


def render(view: DevicePki | None, device: str = DEVICE) -> str:
    """The device's config.fortios with this `pki` (a `SecretText` when it holds a key)."""
    plan = _plan()
    ctx = next(device_contexts(plan, None, redact=True,
                               options=platform_variables(plan, {}), devices={device}))
    return Renderer().render_device(dataclasses.replace(ctx, pki=view))["config.fortios"]


def pem(lines: list[str]) -> str:
    """A PEM as the FortiOS tree holds a quoted value."""
    return '"' + "\n".join(lines) + '"'


# --- rendering -------------------------------------------------------------------------

def test_the_ca_crl_and_local_certificate_are_written_line_by_line() -> None:
    pki = make_pki()
    view = device_pki(pki)
    text = render(view)
    assert isinstance(text, SecretText)  # the key is in it: written 0600, scrubbed
    tree = fortios.parse(text)
    ca = tree.tables["vpn certificate ca"].entries["netorch-ca-eastern-region"]
    assert ca.settings == {"ca": pem(view.ca.pem_lines)}
    crl = tree.tables["vpn certificate crl"].entries["netorch-crl-eastern-region"]
    assert crl.settings == {"crl": pem(view.crl_pem_lines)}
    local = tree.tables["vpn certificate local"].entries[f"netorch-{DEVICE}"]
    assert list(local.settings) == ["private-key", "certificate"]  # as FortiOS shows them
    assert local.settings["private-key"] == pem(view.key_pem_lines)
    assert local.settings["certificate"] == pem(view.cert.pem_lines if view.cert else [])
    assert "        set ca \"-----BEGIN CERTIFICATE-----\n" in text
    assert "\n-----END CERTIFICATE-----\"\n    next\n" in text


def test_tunnels_use_netorchs_certificate_and_rfc7427_with_the_profiles_hash() -> None:
    tree = fortios.parse(render(device_pki(make_pki())))
    for entry in tree.tables["vpn ipsec phase1-interface"].entries.values():
        assert entry.settings["certificate"] == f'"netorch-{DEVICE}"'
        assert entry.settings["digital-signature-auth"] == "enable"
        assert entry.settings["signature-hash-alg"] == "sha2-256"
    peers = tree.tables["user peer"].entries
    assert {e.settings["ca"] for e in peers.values()} == {'"netorch-ca-eastern-region"'}
    cnsa = render(device_pki(make_pki(curve=ec.SECP384R1()), profile="cnsa"))
    assert "        set signature-hash-alg sha2-384\n" in cnsa


def test_without_the_master_secret_the_key_is_left_to_deploy() -> None:
    text = render(device_pki(make_pki(), key=[]))
    assert not isinstance(text, SecretText)
    assert "config vpn certificate local" not in text
    assert "config vpn certificate ca" in text and "config vpn certificate crl" in text
    assert "with its key, which `netorch deploy` derives\n# from the master secret" in text
    assert f'set certificate "netorch-{DEVICE}"' in text  # deploy brings it


def test_redacted_key_is_one_placeholder_line() -> None:
    text = render(device_pki(make_pki(), key=[REDACTED]))
    assert '        set private-key "<redacted>"\n        set certificate "-----BEGIN' in text
    assert "PRIVATE KEY" not in text


def test_not_issued_yet_and_no_crl() -> None:
    text = render(device_pki(make_pki(), issued=False, crl=False))
    assert "is not issued yet: `netorch pki issue`" in text
    assert "vpn certificate local" not in text and "vpn certificate crl" not in text


def test_without_a_pki_folder_the_out_of_band_names_stay() -> None:
    text = render(None)
    assert "are imported out of band under these names" in text
    assert 'set ca "eastern-region"' in text and "vpn certificate" not in text
    assert "digital-signature-auth" not in text


def test_names_fit_fortios_limits() -> None:
    """35 characters for a local certificate's or CRL's name, 79 for a CA's."""
    plan = _plan()
    long = "x" * 63
    device = next(d for d in plan.devices if d.name == DEVICE)
    ctx = next(device_contexts(plan, None, redact=True, options=platform_variables(plan, {}),
                               devices={DEVICE}))
    view = dataclasses.replace(device_pki(make_pki()), ca_name=long)
    ctx = dataclasses.replace(ctx, pki=view,
                              device=device.model_copy(update={"name": long}))
    tree = fortios.parse(Renderer().render_device(ctx)["config.fortios"])
    lengths = {path: max(len(n) for n in tree.tables[path].entries)
               for path in ("vpn certificate ca", "vpn certificate crl", "vpn certificate local")}
    assert lengths == {"vpn certificate ca": 74, "vpn certificate crl": 35,
                       "vpn certificate local": 35}


# --- ownership, diff and the simulator -------------------------------------------------

OPERATOR = """config vpn certificate ca
    edit "CA_Cert_1"
        set ca "{ca}"
        set range global
    next
end
config vpn certificate local
    edit "Fortinet_Factory"
        set password ENC AAAAoperatorsown==
        set comments "This certificate is embedded in the hardware at the factory."
        set private-key "-----BEGIN ENCRYPTED PRIVATE KEY-----
MIIFDjBABgkqhkiG9w0BBQ0wMzAbBgkqhkiG9w0BBQwwDgQIoperatorAAAA
-----END ENCRYPTED PRIVATE KEY-----"
        set range global
    next
end
"""


def _device(text: str = "") -> FortiOsDevice:
    device = FortiOsDevice("fgt")
    if text:
        device.load_text(text)
    return device


def apply(device: FortiOsDevice, commands: list[str]) -> list[str]:
    """Type each command as the driver does (a multi-line value line by line)."""
    session = FortiOsSession(device)
    replies = []
    for command in commands:
        for line in command.split("\n"):
            replies.append(session.handle(line).text)
    assert not session.stack and not session.pending
    return replies


def _clean(replies: list[str]) -> None:
    failed = [r for r in replies if any(f in r for f in FAILED)]
    assert not failed, failed


def test_netorchs_certificates_deploy_and_the_operators_stay() -> None:
    pki = make_pki()
    other = make_pki(ike_id="operator.example")
    device = _device(OPERATOR.format(ca="\n".join(_view(other.ca).pem_lines)))
    intended = render(device_pki(pki))
    change = fortios.plan_change(device.running_text(), intended)
    assert not change.conflicts
    _clean(apply(device, change.commands))
    tree = fortios.parse(device.running_text())
    assert set(tree.tables["vpn certificate ca"].entries) == {
        "CA_Cert_1", "netorch-ca-eastern-region"}
    local = tree.tables["vpn certificate local"].entries
    assert local["Fortinet_Factory"].settings["password"] == "ENC AAAAoperatorsown=="
    ours = local[f"netorch-{DEVICE}"].settings
    assert ours["private-key"].startswith(fortios.ENCRYPTED_KEY)  # as FortiOS keeps it
    assert ours["password"].startswith("ENC ")
    again = fortios.plan_change(device.running_text(), intended)
    assert not again, again.commands  # the device's encrypted key counts as the rendered


def test_a_renewed_certificate_goes_with_its_key_and_a_stale_one_goes() -> None:
    pki = make_pki()
    device = _device()
    _clean(apply(device, fortios.plan_change(device.running_text(),
                                             render(device_pki(pki))).commands))
    renewed = make_pki(serial=0x2002, pki=pki)
    change = fortios.plan_change(device.running_text(), render(device_pki(renewed)))
    sets = [c.split(" ", 2)[:2] for c in change.commands if c.startswith(("set", "unset"))]
    assert ["unset", "password"] in sets
    assert sets.index(["set", "private-key"]) < sets.index(["set", "certificate"])
    _clean(apply(device, change.commands))
    assert not fortios.plan_change(device.running_text(), render(device_pki(renewed)))
    rotated = fortios.plan_change(device.running_text(), render(device_pki(renewed)),
                                  rotate_keys=True)
    assert any(c.startswith("set private-key") for c in rotated.commands)
    stale = device.running_text().replace(f'edit "netorch-{DEVICE}"', 'edit "netorch-old"')
    device = _device(stale)
    change = fortios.plan_change(stale, render(device_pki(renewed)))
    assert change.commands[-3:] == ["config vpn certificate local", 'delete "netorch-old"',
                                    "end"]
    _clean(apply(device, change.commands))


def test_the_key_never_shows_in_a_diff_or_the_lines() -> None:
    pki = make_pki()
    view = device_pki(pki)
    device = _device()
    intended = render(view)
    change = fortios.plan_change(device.running_text(), intended)
    secret_lines = [line for line in view.key_pem_lines if "PRIVATE KEY" not in line]
    assert any(line in "\n".join(change.commands) for line in secret_lines)  # sent, only
    assert not any(line in change.diff for line in secret_lines)
    assert "set private-key <redacted>" in change.diff
    _clean(apply(device, change.commands))
    shown = device.running_text() + fortios.managed(device.running_text(), intended)
    shown += "\n".join(fortios.lines(device.running_text()))
    assert not any(line in shown for line in secret_lines)
    assert "ENCRYPTED PRIVATE KEY" not in "\n".join(fortios.lines(device.running_text()))


def test_every_certificate_object_is_netorchs_by_name() -> None:
    tree = fortios.parse(render(device_pki(make_pki())))
    for path in ("vpn certificate ca", "vpn certificate crl", "vpn certificate local"):
        assert all(TABLES[path].owns(n, e) for n, e in tree.tables[path].entries.items())
    assert not TABLES["vpn certificate local"].owns("Fortinet_Factory", fortios.Node())
    assert not TABLES["vpn certificate ca"].owns("CA_Cert_1", fortios.Node())


@pytest.mark.parametrize(("table", "attr", "value", "error"), [
    ("ca", "ca", "key", "Invalid certificate"),
    ("ca", "ca", "truncated", "Invalid certificate"),
    ("crl", "crl", "cert", "Invalid CRL"),
    ("local", "private-key", "cert", "Invalid private key"),
    ("local", "private-key", "encrypted", "Invalid private key"),
    ("local", "certificate", "other", "does not match the private key"),
])
def test_the_simulator_refuses_what_fortios_would(table: str, attr: str, value: str,
                                                  error: str) -> None:
    pki, other = make_pki(), make_pki()
    plain = pki.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()).decode()
    values = {"key": plain, "cert": _pem(pki.cert), "other": _pem(other.cert),
              "truncated": "\n".join(_pem(pki.ca).splitlines()[:-3]) + "\n-----END "
                                                                       "CERTIFICATE-----",
              "encrypted": pki.key.private_bytes(
                  serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                  serialization.BestAvailableEncryption(b"pass-phrase")).decode()}
    key_first = [f'set private-key "{plain.strip()}"'] if attr == "certificate" else []
    device = _device()
    replies = apply(device, [f"config vpn certificate {table}", 'edit "x"', *key_first,
                             f'set {attr} "{values[value].strip()}"', "next", "end"])
    assert any(error in r and "Command fail" in r for r in replies), replies
    assert '"x"' not in device.running_text() or attr not in fortios.parse(
        device.running_text()).tables[f"vpn certificate {table}"].entries["x"].settings


def test_the_simulator_takes_an_encrypted_key_with_its_password() -> None:
    pki = make_pki()
    hidden = pki.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                   serialization.BestAvailableEncryption(b"pass-phrase"))
    device = _device()
    _clean(apply(device, ["config vpn certificate local", 'edit "x"',
                          'set password "pass-phrase"',
                          f'set private-key "{hidden.decode().strip()}"',
                          f'set certificate "{_pem(pki.cert).strip()}"', "next", "end"]))


def test_an_in_use_certificate_is_not_deleted() -> None:
    device = _device()
    intended = render(device_pki(make_pki()))
    _clean(apply(device, fortios.plan_change("", intended).commands))
    replies = apply(device, ["config vpn certificate local", f'delete "netorch-{DEVICE}"',
                             "end", "config vpn certificate ca",
                             'delete "netorch-ca-eastern-region"', "end"])
    assert sum("The entry is used by other" in r for r in replies) == 2


def _pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def test_leaving_the_fabric_lets_go_of_the_ca_before_deleting_it() -> None:
    """netorch never deletes a user peer (its name is the far device's), so the peers
    let go of netorch's CA first: FortiOS refuses to delete a CA a peer names."""
    device = _device()
    _clean(apply(device, fortios.plan_change("", render(device_pki(make_pki()))).commands))
    gone = fortios.plan_change(device.running_text(), "")
    peer = gone.commands.index("config user peer")
    assert gone.commands[peer + 1:peer + 3] == ['edit "dcn-r1"', "unset ca"]
    assert peer < gone.commands.index("config vpn certificate ca")
    _clean(apply(device, gone.commands))
    assert "netorch" not in device.running_text()


def test_the_example_pki_renders_without_the_secret_and_redacted() -> None:
    """The example inventory's own PKI folder: no key without the master secret (deploy
    derives it), a placeholder under --redact."""
    inventory = api.load(EXAMPLE)
    options = api.RenderOptions(pki=api.load_pki(inventory))
    plain = api.render(_plan(), None, options=options, devices={DEVICE})[DEVICE]
    redacted = api.render(_plan(), redact=True, options=options, devices={DEVICE})[DEVICE]
    assert "config vpn certificate local" not in plain["config.fortios"]
    assert not isinstance(plain["config.fortios"], SecretText)
    assert 'set private-key "<redacted>"' in redacted["config.fortios"]
    assert "PRIVATE KEY" not in redacted["config.fortios"]
