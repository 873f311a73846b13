"""Certificate fabrics: the PKI folder held against the devices and a fixed clock.

Every finding at its place: a device's at its name in its site file, the CA's at the
fabric's `crypto.auth`. Times are fixed (`pkikit.T0`), never the wall clock, except where
a test needs "long expired whatever today is" (render's load_checked uses the clock).
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from netorch import api, pki
from netorch.checks import check, check_certificates
from netorch.findings import Finding, InventoryError
from tests.checks.pkikit import MadePki, days_after, make_pki, write_cert
from tests.checks.rulekit import build

DERIVED = "cam-hq-r1"      # linux_strongswan: netorch derives its key
ON_DEVICE = "dcn-r1"       # cisco_iosxe: its key is made on the router


@pytest.fixture
def made(tmp_path: Path) -> MadePki:
    return make_pki(tmp_path)


def _findings(made: MadePki, when: datetime) -> list[Finding]:
    return check_certificates(api.load(made.inventory), now=when)


def _by_code(findings: list[Finding]) -> dict[str, list[Finding]]:
    out: dict[str, list[Finding]] = {}
    for f in findings:
        out.setdefault(f.code, []).append(f)
    return out


def _line_of(made: MadePki, site_file: str, text: str) -> tuple[str, int]:
    path = made.inventory / site_file
    lines = path.read_text().splitlines()
    return path.as_posix(), next(i + 1 for i, line in enumerate(lines) if text in line)


def _device_at(made: MadePki, device: str) -> tuple[str, int]:
    for site in sorted((made.inventory / "sites").glob("*.yaml")):
        if f"name: {device}" in site.read_text():
            return _line_of(made, f"sites/{site.name}", f"name: {device}")
    raise AssertionError(device)


def _auth_at(made: MadePki) -> tuple[str, int]:
    return _line_of(made, "fabric.yaml", "auth: certificate")


def _where(f: Finding) -> tuple[str, int]:
    return Path(f.location.file).as_posix(), f.location.line


def test_a_fresh_pki_is_clean(made: MadePki) -> None:
    assert _findings(made, days_after(10)) == []
    assert check(api.load(made.inventory), now=days_after(10)) == []


def test_renew_due_warns_at_each_device(made: MadePki) -> None:
    found = _by_code(_findings(made, days_after(340)))
    assert set(found) == {"certificate-renew-due"}
    assert len(found["certificate-renew-due"]) == len(made.view().members)
    mine = [f for f in found["certificate-renew-due"] if f" {DERIVED} " in f.message]
    assert [_where(f) for f in mine] == [_device_at(made, DERIVED)]
    assert mine[0].is_warning
    assert "in 25 days: `netorch pki issue` renews it" in mine[0].message


def test_expired_is_an_error_at_the_device(made: MadePki) -> None:
    found = _by_code(_findings(made, days_after(400)))
    assert set(found) == {"certificate-expired"}
    mine = [f for f in found["certificate-expired"] if f" {ON_DEVICE} " in f.message]
    assert [_where(f) for f in mine] == [_device_at(made, ON_DEVICE)]
    assert mine[0].is_error and "expired on 2031-01-01T00:00:00Z" in mine[0].message


def test_missing_derived_key_certificate_is_an_error(made: MadePki) -> None:
    made.cert_path(DERIVED).unlink()
    found = _findings(made, days_after(1))
    assert [(f.code, f.severity.value, _where(f)) for f in found] == [
        ("certificate-missing", "error", _device_at(made, DERIVED))]
    assert "`netorch pki issue`" in found[0].message


def test_missing_certificate_of_a_key_made_on_the_device_is_a_warning(
        made: MadePki) -> None:
    """Its configuration (trustpoint and CA) must still render so the router can enrol."""
    made.cert_path(ON_DEVICE).unlink()
    found = _findings(made, days_after(1))
    assert [(f.code, f.severity.value, _where(f)) for f in found] == [
        ("certificate-unsigned", "warning", _device_at(made, ON_DEVICE))]
    assert f"netorch pki sign INVENTORY {ON_DEVICE} CSR" in found[0].message


def test_revoked_is_an_error(made: MadePki) -> None:
    view = made.view()
    member = view.member(DERIVED)
    assert member is not None
    pki.revoke(view, made.authority(), member, now=days_after(2))
    found = _findings(made, days_after(3))
    assert [(f.code, _where(f)) for f in found] == [
        ("certificate-revoked", _device_at(made, DERIVED))]
    assert "crl.pem" in found[0].message


def _codes_at(found: list[Finding]) -> list[tuple[str, tuple[str, int]]]:
    return sorted((f.code, _where(f)) for f in found)


def _mismatch(found: list[Finding]) -> Finding:
    return next(f for f in found if f.code == "certificate-mismatch")


def test_wrong_identity_is_a_mismatch(made: MadePki) -> None:
    """A certificate written by hand is also one index.json does not record."""
    write_cert(made, DERIVED, ike_id="intruder.eastern-region", days=60)
    found = _findings(made, days_after(1))
    assert _codes_at(found) == [("certificate-mismatch", _device_at(made, DERIVED)),
                                ("certificate-unrecorded", _device_at(made, DERIVED))]
    found = [_mismatch(found)]
    assert "subject CN is intruder.eastern-region, not the IKE identity " \
           f"{DERIVED}.eastern-region" in found[0].message
    assert "its SAN does not hold" in found[0].message


def test_wrong_curve_is_a_mismatch(made: MadePki) -> None:
    write_cert(made, ON_DEVICE, curve=ec.SECP384R1(), days=60)
    found = _findings(made, days_after(1))
    assert sorted(f.code for f in found) == ["certificate-mismatch", "certificate-unrecorded"]
    assert "its key is ecdsa-p384, the crypto profile needs ecdsa-p256" in \
        _mismatch(found).message


def test_a_certificate_of_another_ca_is_a_mismatch(made: MadePki, tmp_path: Path) -> None:
    """Not unrecorded as well: the fabric's CRL could not revoke it, nor peers trust it."""
    other = make_pki(tmp_path / "other")
    shutil.copy(other.cert_path(DERIVED), made.cert_path(DERIVED))
    found = _findings(made, days_after(1))
    assert [f.code for f in found] == ["certificate-mismatch"]
    assert "not signed by the fabric CA" in found[0].message


def test_ca_expiring_before_a_device_certificate(tmp_path: Path) -> None:
    made = make_pki(tmp_path, ca_days=400, days=60)
    write_cert(made, DERIVED, days=500)
    found = _findings(made, days_after(1))
    assert _codes_at(found) == [("ca-expires-first", _device_at(made, DERIVED)),
                                ("certificate-unrecorded", _device_at(made, DERIVED))]
    found = [f for f in found if f.code == "ca-expires-first"]
    assert found[0].message.startswith("the fabric CA expires on 2031-02-05T00:00:00Z, "
                                       f"before the certificate of {DERIVED}")


def test_ca_renew_due_and_expired_at_the_auth_line(tmp_path: Path) -> None:
    made = make_pki(tmp_path, ca_days=60, days=20)
    soon = [f for f in _findings(made, days_after(45)) if "fabric CA" in f.message]
    assert [(f.code, f.severity.value, _where(f)) for f in soon] == [
        ("certificate-renew-due", "warning", _auth_at(made))]
    late = [f for f in _findings(made, days_after(61)) if "fabric CA" in f.message]
    assert [(f.code, f.severity.value, _where(f)) for f in late] == [
        ("certificate-expired", "error", _auth_at(made))]


def _only_unreadable(made: MadePki, at: tuple[str, int]) -> Finding:
    found = _findings(made, days_after(1))
    assert [(f.code, _where(f)) for f in found] == [("pki-unreadable", at)], found
    return found[0]


def test_garbage_ca_is_a_finding_not_a_traceback(made: MadePki) -> None:
    made.view().paths.ca_cert.write_text("-----BEGIN CERTIFICATE-----\nnot base64\n")
    found = _only_unreadable(made, _auth_at(made))
    assert found.message.endswith("ca.crt: not a PEM certificate")


def test_garbage_device_certificate(made: MadePki) -> None:
    made.cert_path(DERIVED).write_bytes(b"\x00\x01garbage")
    _only_unreadable(made, _device_at(made, DERIVED))


def test_garbage_crl_and_index(made: MadePki) -> None:
    paths = made.view().paths
    paths.crl.write_text("nonsense")
    paths.index.write_text("{}")
    found = _findings(made, days_after(1))
    assert sorted(f.message.rsplit("/", 1)[-1] for f in found) == [
        "crl.pem: not a PEM certificate revocation list",
        "index.json: not a netorch PKI index (index.json)"]
    assert {(f.code, _where(f)) for f in found} == {("pki-unreadable", _auth_at(made))}


def test_a_link_out_of_the_inventory_is_refused_unopened(made: MadePki,
                                                         tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.crt"
    shutil.copy(made.cert_path(DERIVED), outside)
    made.cert_path(DERIVED).unlink()
    made.cert_path(DERIVED).symlink_to(outside)
    found = _only_unreadable(made, _device_at(made, DERIVED))
    assert "resolves, through a symbolic link, to a file outside" in found.message


def test_a_folder_where_the_ca_should_be(made: MadePki) -> None:
    ca = made.view().paths.ca_cert
    ca.unlink()
    ca.mkdir()
    _only_unreadable(made, _auth_at(made))


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_certificate(made: MadePki) -> None:
    made.cert_path(DERIVED).chmod(0)
    _only_unreadable(made, _device_at(made, DERIVED))


def test_no_pki_folder_is_out_of_band(tmp_path: Path) -> None:
    """No finding from the checks (render and plan go on); validate notes it once clean."""
    made = make_pki(tmp_path)
    shutil.rmtree(made.view().paths.root)
    assert _findings(made, days_after(1)) == []
    notes = [f for f in api.validate(made.inventory, today=date(2030, 1, 2)).findings
             if f.code == "pki-out-of-band"]
    assert [(f.severity.value, _where(f)) for f in notes] == [("note", _auth_at(made))]
    assert "without a PKI folder" in notes[0].message


def test_psk_and_python_built_fabrics_are_not_looked_at(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    monkeypatch.chdir(tmp_path)  # a `pki/` here must not be taken for the fabric's
    (tmp_path / "pki").mkdir()
    (tmp_path / "pki" / "ca.crt").write_text("garbage")
    assert check(build()) == []
    made = make_pki(tmp_path / "psk")
    fabric = made.inventory / "fabric.yaml"
    fabric.write_text(fabric.read_text().replace("auth: certificate", "auth: psk"))
    assert _findings(made, days_after(400)) == []


def test_validate_warns_and_strict_fails_on_renew_due(made: MadePki) -> None:
    result = api.validate(made.inventory, today=date(2030, 12, 10))
    assert {f.code for f in result.findings} == {"certificate-renew-due"}
    assert result.ok() and not result.ok(strict=True)


def test_validate_errors_do_not_hold_back_the_plan_checks(made: MadePki) -> None:
    result = api.validate(made.inventory, today=date(2031, 6, 1))
    assert {f.code for f in result.findings} == {"certificate-expired"}  # no skipped note
    assert not result.ok()


def test_render_refuses_an_expired_certificate_load_does_not(tmp_path: Path) -> None:
    """load_checked holds certificates against the clock: made long ago, expired now."""
    long_ago = datetime.now(UTC) - timedelta(days=800)
    made = make_pki(tmp_path, now=long_ago.replace(microsecond=0))
    with pytest.raises(InventoryError) as caught:
        api.load_checked(made.inventory)
    assert {f.code for f in caught.value.findings} == {"certificate-expired"}
    assert api.load(made.inventory).fabric.name == "eastern-region"  # pki commands' load


# --- days counted as `pki status` counts them --------------------------------------------

def _status(made: MadePki, when: datetime) -> pki.PkiStatus:
    loaded = pki.load_pki(made.view())
    assert loaded is not None
    return pki.status(loaded, now=when)


def _renew_message(made: MadePki, when: datetime, device: str) -> str | None:
    mine = [f for f in _findings(made, when)
            if f.code == "certificate-renew-due" and f" {device} " in f.message]
    return mine[0].message if mine else None


def test_validate_counts_days_as_pki_status_does(made: MadePki) -> None:
    """29 days and 23 hours left: 30 days, due (validate once said 29, by `timedelta.days`)."""
    when = days_after(335) + timedelta(hours=1)
    standing = _status(made, when).devices[DERIVED]
    assert (standing.days_left, standing.state) == (30, "renew-due")
    message = _renew_message(made, when, DERIVED)
    assert message is not None and "in 30 days:" in message


def test_renew_due_boundary_is_the_same_everywhere(made: MadePki) -> None:
    """Exactly 30 days left is due (`renew_due`: 0 < left <= 30 days); a second more is not."""
    edge = days_after(335)
    assert _status(made, edge).devices[DERIVED].state == "renew-due"
    assert "in 30 days:" in (_renew_message(made, edge, DERIVED) or "")
    before = edge - timedelta(seconds=1)
    assert (_status(made, before).devices[DERIVED].days_left,
            _status(made, before).devices[DERIVED].state) == (31, "ok")
    assert _findings(made, before) == []


def test_ca_renew_due_counts_days_the_same_way(tmp_path: Path) -> None:
    made = make_pki(tmp_path, ca_days=60, days=20)
    when = days_after(45) + timedelta(hours=1)  # 14 days 23 hours left
    assert _status(made, when).ca.days_left == 15
    ca = [f for f in _findings(made, when) if "fabric CA" in f.message]
    assert [f.code for f in ca] == ["certificate-renew-due"]
    assert "in 15 days:" in ca[0].message


def test_crl_renew_due_counts_days_the_same_way(tmp_path: Path) -> None:
    """pkikit signs the CRL until the CA's end: 60 days here."""
    made = make_pki(tmp_path, ca_days=60, days=20)

    def crl(when: datetime) -> list[Finding]:
        return [f for f in _findings(made, when) if f.code == "crl-renew-due"]

    assert crl(days_after(30) - timedelta(seconds=1)) == []
    edge = crl(days_after(30))
    assert [(f.severity.value, _where(f)) for f in edge] == [("warning", _auth_at(made))]
    assert "expires on 2030-03-02T00:00:00Z, in 30 days:" in edge[0].message
    assert "in 1 day:" in crl(days_after(60) - timedelta(hours=1))[0].message
    assert "expired on 2030-03-02T00:00:00Z:" in crl(days_after(60))[0].message


# --- index.json against the folder -------------------------------------------------------

def _edit_index(made: MadePki, **changes: str) -> None:
    """Change index.json as JSON (`fabric`, or `ca_serial` for ca.serial)."""
    index = made.view().paths.index
    data = json.loads(index.read_text())
    if "fabric" in changes:
        data["fabric"] = changes["fabric"]
    if "ca_serial" in changes:
        data["ca"]["serial"] = changes["ca_serial"]
    if "ca_source" in changes:
        data["ca"]["source"] = changes["ca_source"]
    index.write_text(json.dumps(data, indent=1))


def test_an_index_of_another_fabric(made: MadePki) -> None:
    _edit_index(made, fabric="western-region\x1b[2J")
    found = _findings(made, days_after(1))
    assert [(f.code, f.severity.value, _where(f)) for f in found] == [
        ("pki-index-mismatch", "error", _auth_at(made))]
    assert "index.json is the index of fabric 'western-region\\x1b[2J', not of " \
           "eastern-region" in found[0].message


def test_an_index_of_another_ca(made: MadePki) -> None:
    """Its records are another CA's: no device is held against them as well."""
    write_cert(made, DERIVED, days=60)  # unrecorded, yet not reported: the index is not ours
    ca_file = made.view().paths.ca_cert.as_posix()
    serial = _status(made, days_after(1)).ca.serial
    _edit_index(made, ca_serial="0A1B")
    found = _findings(made, days_after(1))
    assert [(f.code, _where(f)) for f in found] == [("pki-index-mismatch", _auth_at(made))]
    assert f"records the CA serial '0A1B', but {ca_file} has serial {serial}:" in \
        found[0].message


def test_a_certificate_the_index_does_not_record(made: MadePki) -> None:
    write_cert(made, DERIVED, days=60)
    found = _findings(made, days_after(1))
    assert [(f.code, f.severity.value, _where(f)) for f in found] == [
        ("certificate-unrecorded", "error", _device_at(made, DERIVED))]
    serial = _status(made, days_after(1)).devices[DERIVED].serial
    assert f".crt, serial {serial}) is signed by the fabric CA but not recorded for {DERIVED}" \
        in found[0].message
    assert "netorch cannot revoke a certificate it has not recorded" in found[0].message
    assert f"`netorch pki revoke INVENTORY {DERIVED}` revokes it" in found[0].message
    assert "remove it and run `netorch pki issue`" in found[0].message


def test_a_record_of_another_device_does_not_count(made: MadePki) -> None:
    """DERIVED's certificate copied to another device's file: recorded, but not for it."""
    shutil.copy(made.cert_path(DERIVED), made.cert_path("cps-east-fw1"))
    found = _findings(made, days_after(1))
    assert sorted(f.code for f in found) == ["certificate-mismatch", "certificate-unrecorded"]
    assert {_where(f) for f in found} == {_device_at(made, "cps-east-fw1")}


def test_an_enterprise_ca_keeps_no_records(tmp_path: Path) -> None:
    """An imported CA: index.json records no certificate, and none is asked of it."""
    made = _enterprise(tmp_path)
    assert _findings(made, days_after(1)) == []
    write_cert(made, DERIVED, days=60)
    assert _findings(made, days_after(1)) == []


# --- certificates of devices the inventory no longer has ---------------------------------

GONE = "bed-dunstable-r1"  # the one device of sites/beds-dunstable.yaml (cisco_iosxe)


def _records(made: MadePki) -> list[dict[str, object]]:
    records: list[dict[str, object]] = json.loads(
        made.view().paths.index.read_text())["certificates"]
    return records


def _add_records(made: MadePki, *records: dict[str, object]) -> None:
    index = made.view().paths.index
    data = json.loads(index.read_text())
    data["certificates"] += records
    index.write_text(json.dumps(data, indent=1))


def _orphaned(made: MadePki, when: datetime) -> list[Finding]:
    return [f for f in _findings(made, when) if f.code == "certificate-orphaned"]


def test_a_removed_device_with_a_certificate_in_force_is_a_warning(made: MadePki) -> None:
    record = next(r for r in _records(made) if r["device"] == GONE)
    (made.inventory / "sites" / "beds-dunstable.yaml").unlink()
    found = _findings(made, days_after(10))
    assert [(f.code, f.severity.value, _where(f)) for f in found] == [
        ("certificate-orphaned", "warning", _auth_at(made))]
    assert found[0].message == (
        f"the PKI ledger lists {GONE}, no longer a device of this fabric, with a certificate "
        f"in force (serial {record['serial']}, until 2031-01-01T00:00:00Z): revoke it "
        f"(`netorch pki revoke INVENTORY {GONE}`) so no one can use it")


def test_a_removed_device_whose_certificate_is_revoked_or_expired_is_not(
        made: MadePki) -> None:
    (made.inventory / "sites" / "beds-dunstable.yaml").unlink()
    assert _orphaned(made, days_after(365)) == []  # expired at 2031-01-01T00:00:00Z
    assert len(_orphaned(made, days_after(365) - timedelta(seconds=1))) == 1
    index = made.view().paths.index
    data = json.loads(index.read_text())
    for record in data["certificates"]:
        if record["device"] == GONE:
            record["revoked"] = "2030-01-05T00:00:00Z"
    index.write_text(json.dumps(data, indent=1))
    assert _orphaned(made, days_after(10)) == []


def test_one_orphaned_finding_per_device_sorted_with_its_newest_certificate(
        made: MadePki) -> None:
    base = {"not_before": "2030-01-01T00:00:00Z", "not_after": "2030-06-01T00:00:00Z",
            "key": "derived", "generation": 0, "revoked": None}
    _add_records(made, {**base, "device": "zz-gone", "serial": "0A"},
                 {**base, "device": "zz-gone", "serial": "0B",
                  "not_after": "2030-07-01T00:00:00Z"},
                 {**base, "device": "aa-gone", "serial": "0C"},
                 {**base, "device": "evil\x1b[2J", "serial": "0D"},
                 {**base, "device": "old-gone", "serial": "0E",
                  "not_after": "2030-01-05T00:00:00Z"})
    found = _orphaned(made, days_after(10))
    assert [f.message.split(", no longer")[0] for f in found] == [
        "the PKI ledger lists 'evil\\x1b[2J'", "the PKI ledger lists aa-gone",
        "the PKI ledger lists zz-gone"]
    assert "(serial 0B, until 2030-07-01T00:00:00Z)" in found[2].message
    assert {_where(f) for f in found} == {_auth_at(made)}


def test_an_index_of_another_fabric_lists_no_orphans(made: MadePki) -> None:
    """Its devices are another fabric's: not ours to revoke."""
    (made.inventory / "sites" / "beds-dunstable.yaml").unlink()
    _edit_index(made, fabric="western-region")
    assert [f.code for f in _findings(made, days_after(1))] == ["pki-index-mismatch"]


# --- IKE identities no certificate can hold ----------------------------------------------

def _rename(made: MadePki, old: str, new: str) -> None:
    site = next(p for p in (made.inventory / "sites").glob("*.yaml")
                if f"name: {old}" in p.read_text())
    site.write_text(site.read_text().replace(f"name: {old}", f"name: {new}"))


def test_an_identity_longer_than_a_common_name_is_an_error(made: MadePki) -> None:
    """eastern-region (14) + '.' + 50 = 65 characters: one more than ub-common-name."""
    long = "r" * 50
    _rename(made, GONE, long)
    found = [f for f in _findings(made, days_after(1)) if f.code == "identity-too-long"]
    assert [(f.severity.value, _where(f)) for f in found] == [
        ("error", _device_at(made, long))]
    assert f"the IKE identity of {long}, {long}.eastern-region, cannot be named by a " \
           "certificate: it is 65 characters, and a certificate's subject CN holds at most " \
           "64 (RFC 5280, ub-common-name); use a shorter device or fabric name" == \
           found[0].message
    _rename(made, long, "r" * 49)  # 64: fits
    assert [f for f in _findings(made, days_after(1)) if f.code == "identity-too-long"] == []


def test_identity_length_is_checked_without_a_pki_folder_not_with_psk(
        tmp_path: Path) -> None:
    made = make_pki(tmp_path)
    shutil.rmtree(made.view().paths.root)
    _rename(made, GONE, "r" * 60)
    assert [f.code for f in _findings(made, days_after(1))] == ["identity-too-long"]
    fabric = made.inventory / "fabric.yaml"
    fabric.write_text(fabric.read_text().replace("auth: certificate", "auth: psk"))
    assert _findings(made, days_after(1)) == []


def test_a_dns_label_longer_than_63_is_an_error() -> None:
    """A Python-built inventory, its fabric name unchecked: a label of 70 characters."""
    inventory = build()
    fabric = inventory.fabric.model_copy(update={"name": "f" * 70})
    found = check_certificates(inventory.model_copy(update={"fabric": fabric}),
                               now=days_after(1))
    assert [f.code for f in found] == ["identity-too-long"] * 3
    assert f"its DNS label '{'f' * 70}' is 70 characters, more than the 63 a DNS name " \
           "allows (RFC 1035)" in found[0].message
    assert "it is 77 characters" in found[0].message  # hub-r1 (6) + . + 70


# --- an enterprise (imported) CA: netorch issues nothing -----------------------------------

def _enterprise(tmp_path: Path) -> MadePki:
    made = make_pki(tmp_path)
    paths = made.view().paths
    keep = tmp_path / "kept"
    shutil.copytree(paths.root, keep)
    shutil.rmtree(paths.root)
    pki.import_ca(made.view(), keep / "ca.crt")
    shutil.copytree(keep / "certs", paths.root / "certs")
    return made


def test_an_enterprise_ca_fabric_is_not_told_to_run_pki_issue(tmp_path: Path) -> None:
    made = _enterprise(tmp_path)
    made.cert_path(DERIVED).unlink()
    made.cert_path(ON_DEVICE).unlink()
    found = {f.code: f for f in _findings(made, days_after(1))}
    assert set(found) == {"certificate-missing", "certificate-unsigned"}
    missing, unsigned = found["certificate-missing"], found["certificate-unsigned"]
    assert _where(missing) == _device_at(made, DERIVED) and missing.is_error
    assert "have the fabric's enterprise CA issue it and place it there (`netorch pki " \
           "request INVENTORY --out DIR` writes the CSR of the key netorch derives for it; " \
           "a device that makes its own key gives its CSR)" in missing.message
    assert _where(unsigned) == _device_at(made, ON_DEVICE) and unsigned.is_warning
    assert "have the fabric's enterprise CA sign the request the device gives" in \
        unsigned.message
    renew = [f for f in _findings(made, days_after(340)) if f.code == "certificate-renew-due"]
    assert renew and all(f.message.endswith("have the fabric's enterprise CA issue a new one")
                         for f in renew)
    for f in [*found.values(), *renew]:
        assert "pki issue" not in f.message and "pki sign" not in f.message


# --- a CRL the CA did not sign ---------------------------------------------------------

def test_a_crl_not_signed_by_the_ca_revokes_nothing(made: MadePki) -> None:
    """Devices ignore it: only the mismatch, not `certificate-revoked` as well."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    paths = made.view().paths
    ca = x509.load_pem_x509_certificate(paths.ca_cert.read_bytes())
    cert = x509.load_pem_x509_certificate(made.cert_path(DERIVED).read_bytes())
    entry = x509.RevokedCertificateBuilder().serial_number(cert.serial_number) \
        .revocation_date(days_after(1)).build()
    crl = (x509.CertificateRevocationListBuilder().issuer_name(ca.subject)
           .last_update(days_after(1)).next_update(days_after(2))
           .add_revoked_certificate(entry)
           .sign(ec.generate_private_key(ec.SECP256R1()), made.view().spec.digest()))
    paths.crl.write_bytes(crl.public_bytes(serialization.Encoding.PEM))
    found = _findings(made, days_after(3))  # past its next update as well: not said
    assert [(f.code, _where(f)) for f in found] == [("certificate-mismatch", _auth_at(made))]
    assert "crl.pem is not signed by the fabric CA" in found[0].message
