"""The report model: compliance, reachability, live state, provenance, summary."""

from __future__ import annotations

from pathlib import Path

import pytest

from netorch.errors import UsageError
from netorch.inventory.model import Crypto, EspProposal, IkeProposal
from netorch.plan.model import EspChoice, IkeChoice, Proposal
from netorch.report import Report, make_report
from netorch.report.compliance import assess
from netorch.report.provenance import generation_time, hash_inputs, parse_time
from netorch.report.state import live_state
from netorch.verify import BgpCheck, TunnelCheck, TunnelStatus, VerifyReport
from netorch.verify.origin import StateOrigin
from tests.report.conftest import EXAMPLE, FIXED_TIME, state_document

ORIGIN = StateOrigin(source="production", generated_at=FIXED_TIME, inventory_sha256="0" * 64,
                     fabric="eastern-region")

NCSC = Proposal(ike=IkeChoice(version=2, encryption="aes-128-gcm", prf="sha256", integrity=None,
                              dh_group=19, lifetime=86400),
                esp=EspChoice(encryption="aes-128-gcm", integrity=None, pfs_group=19,
                              lifetime=28800),
                name="aes128gcm16-prfsha256-ecp256")


def _failed(pc_checks: list) -> list[str]:
    return [c.rule for c in pc_checks if c.status == "fail"]


def test_ncsc_proposal_with_certificates_passes_every_check() -> None:
    pc = assess("P1", NCSC, Crypto(profile="ncsc-prime", auth="certificate"), "certificate", 3)
    assert (pc.result, pc.tunnels) == ("pass", 3)
    assert all(c.status == "pass" for c in pc.checks)


def test_psk_with_a_named_profile_only_warns() -> None:
    pc = assess("P1", NCSC, Crypto(profile="ncsc-prime", auth="psk"), "psk", 1)
    assert pc.result == "warn"
    assert [c.rule for c in pc.checks if c.status == "warn"] == ["certificate authentication"]


def test_weak_proposal_fails_with_reasons() -> None:
    weak = Proposal(ike=IkeChoice(version=1, encryption="3des", prf="md5", integrity="sha1",
                                  dh_group=2, lifetime=172800),
                    esp=EspChoice(encryption="aes-128-cbc", integrity="md5", pfs_group=None,
                                  lifetime=86400), name="3des-md5-modp1024")
    custom = Crypto(profile="custom", auth="psk",
                    ike=IkeProposal(encryption=["aes-256-gcm"], prf=["sha384"], dh_groups=[20]),
                    esp=EspProposal(encryption=["aes-256-gcm"], pfs_groups=[20]))
    pc = assess("P1", weak, custom, "psk", 1)
    assert pc.result == "fail"
    assert _failed(pc.checks) == [
        "IKE version 2 only", "IKE encryption not weak (no DES, 3DES, NULL)",
        "IKE PRF not weak (no MD5, SHA-1)", "IKE integrity: AEAD or strong HMAC",
        "IKE DH group not weak (no 1, 2, 5, 22-24)", "IKE SA lifetime at most 24 h",
        "ESP integrity: AEAD or strong HMAC", "Perfect forward secrecy on", "PFS group not weak",
        "IPsec SA lifetime at most 8 h", "matches profile custom"]


def test_example_is_compliant_and_every_tunnel_says_why(example: Report) -> None:
    assert example.summary.all_compliant
    assert example.summary.compliance == {"pass": 188, "warn": 0, "fail": 0}
    assert {c.why for c in example.compliance} == {"all 13 checks pass"}
    assert len(example.compliance) == len(example.tunnels) == 188


def test_who_reaches_the_cps_and_over_what(example: Report) -> None:
    cps = next(z for z in example.summary.zones if z.zone == "cps")
    assert (cps.sites, cps.reached_by, cps.unreachable_from) == (["cps-east"], 26, [])
    routes = {rc.route.text: rc.pairs for rc in cps.routes}
    both = "primary: private via dc-north or dc-south; backup: internet via dc-north or dc-south"
    assert routes[both] == 17
    assert routes["primary: private direct; backup: internet direct"] == 2  # the two hubs
    assert (cps.tunnels, cps.compliant_tunnels) == (8, 8)


def test_internet_only_site_has_no_backup_underlay(example: Report) -> None:
    row = next(r for r in example.reach if r.site == "beds-dunstable" and r.zone == "cps")
    assert [rc.route.text for rc in row.routes] == [
        "primary: internet → private via dc-north or dc-south; "
        "backup: internet via dc-north or dc-south"]
    hubs = next(r for r in example.reach if r.site == "beds-dunstable" and r.zone == "dc")
    assert [rc.route.backup for rc in hubs.routes] == [None]


def test_zone_matrix_is_square_and_counts_site_pairs(example: Report) -> None:
    zones = example.matrices[0]
    assert zones.by == "zone"
    assert zones.groups == ["courts", "cps", "dc", "police", "probation"]
    cell = next(c for c in zones.cells if (c.source, c.target) == ("police", "cps"))
    assert (cell.pairs, cell.reachable) == (21, 21)
    assert len(zones.cells) == 25


def test_live_state_takes_each_tunnels_worst_end(example: Report) -> None:
    """verify's typed result, as report reads it: one row per planned tunnel (its worst
    end), the unplanned ones apart, every session."""
    from netorch import api

    plan = api.plan(api.load(EXAMPLE))
    first, second, third = plan.tunnels[:3]
    ok, missing = TunnelStatus.ESTABLISHED, TunnelStatus.MISSING
    checks = VerifyReport(
        tunnels=[TunnelCheck(first.a.device, first.id, ok, "a", "b"),
                 TunnelCheck(first.b.device, first.id, ok, "b", "a"),
                 TunnelCheck(third.a.device, third.id, ok, "a", "b", "IKE_SA ESTABLISHED"),
                 TunnelCheck(third.b.device, third.id, missing, "b", "a", "no SA"),
                 TunnelCheck(first.a.device, "ghost", TunnelStatus.UNEXPECTED, "", "c", "x")],
        bgp=[BgpCheck(first.a.device, first.id, "100.64.0.1", "Established", 3),
             BgpCheck(second.b.device, second.id, "100.64.0.2", "Idle", None)])
    state = live_state(plan, checks.result(ORIGIN))
    got = {t.tunnel: (t.status, t.detail) for t in state.tunnels}
    assert got[first.id] == ("ESTABLISHED", None)
    assert got[second.id] == ("NOT-REPORTED", None)
    assert got[third.id] == ("MISSING", f"{third.b.device}: MISSING (no SA)")
    assert [(t.tunnel, t.status, t.detail) for t in state.unexpected] == [
        ("ghost", "UNEXPECTED", "x")]
    assert [(s.tunnel, s.state, s.prefixes_received) for s in state.sessions] == sorted(
        [(first.id, "up", 3), (second.id, "idle", None)])
    assert state.origin == ORIGIN
    assert state.counts == {"ESTABLISHED": 1, "MISSING": 1, "NOT-REPORTED": 186,
                            "UNEXPECTED": 1}


def test_state_file_shows_in_tunnels_and_provenance(at_root: Path, tmp_path: Path) -> None:
    from netorch import api

    inventory = api.load(EXAMPLE)
    tunnel = api.plan(inventory).tunnels[0]
    state = tmp_path / "verify.json"
    state.write_text(state_document(VerifyReport(tunnels=[
        TunnelCheck(tunnel.a.device, tunnel.id, TunnelStatus.DOWN, "a", "b")])))
    report = make_report(inventory, state=state, generated_at=FIXED_TIME)
    assert report.tunnels[0].status == "DOWN"
    assert report.summary.live == {"DOWN": 1, "NOT-REPORTED": 187}
    assert report.provenance.state_sha256 is not None


def test_inventory_hash_is_content_based(tmp_path: Path, at_root: Path) -> None:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(EXAMPLE, copy)
    original = hash_inputs(Path(EXAMPLE))
    assert hash_inputs(copy) == original
    assert [f.path for f in original[1]][:2] == ["allocations.yaml", "fabric.yaml"]
    (copy / "sites" / "cps-east.yaml").write_text(
        (copy / "sites" / "cps-east.yaml").read_text() + "# changed\n")
    assert hash_inputs(copy)[0] != original[0]


def test_generation_time_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert generation_time() == "2023-11-14T22:13:20Z"
    assert generation_time("2024-05-01T12:00:00.5+01:00") == "2024-05-01T11:00:00Z"
    with pytest.raises(UsageError):
        parse_time("yesterday")
