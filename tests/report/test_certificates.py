"""The report's certificate table and compliance rows, at the report's fixed time."""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from netorch import api, pki
from netorch.report import Report, make_report, render
from netorch.report.model import Certificates
from tests.checks.pkikit import MadePki, make_pki, write_cert

AT = "2030-01-11T00:00:00Z"  # ten days after pkikit's T0
DERIVED, ON_DEVICE = "cam-hq-r1", "dcn-r1"


@pytest.fixture
def made(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> MadePki:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    return make_pki(tmp_path)


def _report(made: MadePki, at: str = AT) -> Report:
    return make_report(api.load(made.inventory), generated_at=at)


def _certs(report: Report) -> Certificates:
    assert report.certificates is not None
    return report.certificates


def _checks(certs: Certificates) -> dict[str, tuple[str, str]]:
    return {c.rule: (c.status, c.observed) for c in certs.checks}


def test_table_holds_the_ca_and_every_device(made: MadePki) -> None:
    certs = _certs(_report(made))
    assert (certs.source, certs.result, certs.profile_key, certs.profile_hash) == (
        "pki-folder", "pass", "ecdsa-p256", "sha256")
    assert certs.ca is not None
    assert (certs.ca.subject, certs.ca.days_left, certs.ca.state) == (
        "O=netorch,CN=eastern-region fabric CA", 3640, "ok")
    assert [d.name for d in certs.devices] == sorted(m.name for m in made.view().members)
    row = next(d for d in certs.devices if d.name == DERIVED)
    assert (row.subject, row.key, row.hash, row.not_after, row.days_left, row.state) == (
        f"CN={DERIVED}.eastern-region", "ecdsa-p256", "sha256", "2031-01-01T00:00:00Z", 355,
        "ok")
    ledger = made.view().paths.read_ledger()
    assert ledger is not None
    record = ledger.current(DERIVED)
    assert record is not None and row.serial == record.serial
    assert all(status == "pass" for status, _ in _checks(certs).values())


def test_states_at_the_report_time(made: MadePki) -> None:
    view = made.view()
    member = view.member(DERIVED)
    assert member is not None
    pki.revoke(view, made.authority(), member)
    made.cert_path(ON_DEVICE).unlink()
    made.cert_path("cps-east-fw1").unlink()  # FortiOS: a derived key, so missing
    certs = _certs(_report(made, "2030-12-15T00:00:00Z"))
    states = {d.name: (d.state, d.status) for d in certs.devices}
    assert states[DERIVED] == ("revoked", "fail")
    assert states[ON_DEVICE] == ("unsigned", "warn")
    assert states["cps-east-fw1"] == ("missing", "fail")
    assert states["dcs-fw1"] == ("renew-due", "warn")
    status, observed = _checks(certs)["every device holds a certificate in force"]
    assert status == "fail"
    assert observed == "missing 1, renew-due 27, revoked 1, unsigned 1"
    late = _certs(_report(made, "2031-02-01T00:00:00Z"))
    assert {d.state for d in late.devices} == {"expired", "revoked", "missing", "unsigned"}


def test_an_expired_certificate_is_reported_not_refused(made: MadePki) -> None:
    report = _report(made, "2031-06-01T00:00:00Z")
    codes = {f.code for f in report.findings}
    assert codes == {"certificate-expired"}
    assert report.summary.findings["error"] == len(made.view().members)


def test_compliance_rows_fail_on_curve_identity_and_ca_lifetime(tmp_path: Path) -> None:
    made = make_pki(tmp_path, ca_days=400, days=60)
    write_cert(made, DERIVED, ike_id="intruder.eastern-region", days=60)
    write_cert(made, ON_DEVICE, curve=ec.SECP384R1(), days=500)
    rows = _checks(_certs(_report(made)))
    assert rows["keys are ecdsa-p256"] == ("fail", "30 of 31 certificates; not: "
                                           f"{ON_DEVICE} (ecdsa-p384)")
    assert rows["signatures use sha256"][0] == "pass"
    assert rows["subject CN and SAN = the device's IKE identity"] == (
        "fail", f"29 of 30 devices; not: {DERIVED}")
    assert rows["the CA outlives every device certificate"] == (
        "fail", f"29 of 30 devices; not: {ON_DEVICE}")
    assert rows["signed by the fabric CA"][0] == "pass"


def test_p256_certificates_fail_a_cnsa_profile(made: MadePki) -> None:
    fabric = made.inventory / "fabric.yaml"
    fabric.write_text(fabric.read_text().replace("profile: ncsc-prime", "profile: cnsa"))
    report = _report(made)
    certs = _certs(report)
    assert (certs.profile_key, certs.profile_hash, certs.result) == (
        "ecdsa-p384", "sha384", "fail")
    rows = _checks(certs)
    assert rows["keys are ecdsa-p384"][0] == rows["signatures use sha384"][0] == "fail"
    assert rows["signatures use sha384"][1].startswith("0 of 31 certificates; not: CA (sha256)")
    assert {f.code for f in report.findings} == {"certificate-mismatch"}


def test_psk_fabric_has_no_table(made: MadePki) -> None:
    fabric = made.inventory / "fabric.yaml"
    fabric.write_text(fabric.read_text().replace("auth: certificate", "auth: psk"))
    report = _report(made)
    assert report.certificates is None
    assert "Pre-shared keys: the fabric authenticates with psk" in render(report, "md")
    assert "Pre-shared keys: the fabric authenticates with psk" in render(report, "html")
    assert json.loads(render(report, "json"))["certificates"] is None


def test_out_of_band_and_unreadable_folders(made: MadePki) -> None:
    made.view().paths.ca_cert.write_text("garbage")
    broken = _report(made)
    assert (_certs(broken).source, _certs(broken).result) == ("unreadable", "fail")
    assert [f.code for f in broken.findings] == ["pki-unreadable"]
    assert "cannot be read" in render(broken, "md")
    shutil.rmtree(made.view().paths.root)
    gone = _report(made)
    assert (_certs(gone).source, _certs(gone).ca, gone.findings) == ("out-of-band", None, [])
    assert "managed out of band" in render(gone, "html")


def test_certificate_text_is_escaped_in_every_format(made: MadePki) -> None:
    hostile = "<script>alert(1)</script>|*x*`y`.eastern-region"
    write_cert(made, DERIVED, ike_id=hostile, days=60)
    report = _report(made)
    html, md = render(report, "html"), render(report, "md")
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    table = [line for line in md.splitlines() if line.startswith(f"| **{DERIVED}**")]
    assert len(table) == 1 and "<script>" not in table[0] and "|*x*" not in table[0]
    assert table[0].count(" | ") == 7  # no cell split by the subject's `|`
    data = json.loads(render(report, "json"))
    assert any("script" in (d["subject"] or "") for d in data["certificates"]["devices"])


def test_same_inventory_and_time_give_the_same_bytes(made: MadePki) -> None:
    for fmt in ("html", "md", "json"):
        assert render(_report(made), fmt).encode() == render(_report(made), fmt).encode()
    assert _certs(_report(made, "2030-06-01T00:00:00Z")) != _certs(_report(made))


def test_days_and_states_are_those_of_pki_status(made: MadePki) -> None:
    """29 days and 23 hours left: 30 days, renew-due, as `pki status` and validate say."""
    at = "2030-12-02T01:00:00Z"
    certs = _certs(_report(made, at))
    loaded = pki.load_pki(made.view())
    assert loaded is not None
    status = pki.status(loaded, now=datetime.fromisoformat(at))
    for row in certs.devices:
        assert (row.days_left, row.state) == (status.devices[row.name].days_left,
                                              status.devices[row.name].state), row.name
    row = next(d for d in certs.devices if d.name == DERIVED)
    assert (row.days_left, row.state) == (30, "renew-due")
    assert certs.ca is not None and certs.ca.days_left == status.ca.days_left == 3315
    edge = _certs(_report(made, "2030-12-02T00:00:00Z"))  # exactly 30 days: due
    assert {d.state for d in edge.devices} == {"renew-due"}
    early = _certs(_report(made, "2030-12-01T23:59:59Z"))
    assert {(d.days_left, d.state) for d in early.devices} == {(31, "ok")}


def test_the_ca_lifetime_row_counts_devices_with_a_certificate(made: MadePki) -> None:
    made.cert_path(ON_DEVICE).unlink()
    made.cert_path("cps-east-fw1").unlink()
    report = _report(made)
    rows = _checks(_certs(report))
    assert rows["the CA outlives every device certificate"] == ("pass", "28 of 28 devices")
    assert rows["signed by the fabric CA"] == ("pass", "28 of 28 devices")
    md = render(report, "md")
    line = next(x for x in md.splitlines() if x.startswith(f"| **{ON_DEVICE}**"))
    assert line == (f"| **{ON_DEVICE}** | — | — | — | — | — | — | unsigned |")
    assert "`—`" not in md
