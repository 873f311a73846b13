"""`netorch rehearse` end to end: simulators seeded with running configs, real SSH, the
real drivers; exit codes, the JSON contract, conflicts and their resolution, and clean
errors for running configs it cannot use."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from netorch.cli import main
from netorch.deploy import DeviceTarget
from netorch.platforms import registry
from netorch.rehearse import line_changes

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "inventories" / "eastern-region"
DEVICES = {"nfk-hq-r1": "cisco_iosxe", "sfk-hq-r1": "juniper_junos",
           "esx-hq-r1": "fortinet_fortios"}
OPERATOR_BGP = """hostname nfk-hq-r1
interface GigabitEthernet0/0/0
 ip address 198.51.100.10 255.255.255.248
!
router bgp 64999
 bgp log-neighbor-changes
 neighbor 192.0.2.77 remote-as 64998
 neighbor 192.0.2.77 description operator transit
!
"""


def _running(folder: Path, configs: dict[str, str]) -> Path:
    folder.mkdir(exist_ok=True)
    for name, text in configs.items():
        (folder / f"{name}.cfg").write_text(text)
    return folder


def _seed(name: str) -> str:
    template = registry()[DEVICES[name]].sim_seed
    return template.format(name=name, ip="198.51.100.10")


def _rehearse(capsys: pytest.CaptureFixture[str], inventory: Path, running: Path,
              *devices: str) -> tuple[int, dict[str, object], str]:
    limits = [arg for d in devices for arg in ("--limit", d)]
    code = main(["rehearse", str(inventory), "--running", str(running), "--format", "json",
                 *limits])
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    return code, json.loads(out.out) if out.out.strip() else {}, out.err


def test_a_clean_rehearsal_on_every_cli_platform(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    running = _running(tmp_path / "running", {n: _seed(n) for n in DEVICES})
    code, report, _ = _rehearse(capsys, EXAMPLE, running, *DEVICES)
    assert code == 0, report
    assert report["ok"] is True and report["not_rehearsed"] == []
    devices = report["devices"]
    assert isinstance(devices, dict) and sorted(devices) == sorted(DEVICES)
    for name, device in devices.items():
        assert device["platform"] == DEVICES[name]
        assert device["operator_lines_changed"] == 0, device["operator_lines"]
        assert device["conflicts"] == [] and device["idempotent"] is True
        assert device["netorch_lines_added"] > 50  # tunnels, BGP, crypto for 5+ peers


def test_an_existing_bgp_process_is_a_conflict_until_the_device_joins_it(
        example_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    running = _running(tmp_path / "running", {"nfk-hq-r1": OPERATOR_BGP})
    code, report, _ = _rehearse(capsys, example_copy, running, "nfk-hq-r1")
    assert code == 1
    device = report["devices"]["nfk-hq-r1"]  # type: ignore[index]
    assert device["idempotent"] is None and device["operator_lines_changed"] == 0
    assert any("64999" in c["line"] and "asn: 64999" in c["resolve"]
               for c in device["conflicts"]), device["conflicts"]
    site = example_copy / "sites" / "norfolk-hq.yaml"
    text = site.read_text()
    site.write_text(re.sub(r"(\n(\s*)- name: nfk-hq-r1\n)", r"\1\2  asn: 64999\n", text, count=1))
    code, report, err = _rehearse(capsys, example_copy, running, "nfk-hq-r1")
    device = report["devices"]["nfk-hq-r1"]  # type: ignore[index]
    assert code == 0, (err, device)
    assert device["operator_lines_changed"] == 0 and device["idempotent"] is True


def test_line_changes_count_an_operator_line_the_deploy_removed() -> None:
    target = DeviceTarget("r1", "cisco_iosxe", "127.0.0.1", 22, "s1", {"config.ios": ""})
    before = ("hostname r1\nip route 10.9.9.0 255.255.255.0 Null0\n"
              "router bgp 1\n neighbor 1.1.1.1 remote-as 2\n")
    after = "hostname r1\nrouter bgp 1\n neighbor 1.1.1.1 remote-as 3\n"
    lines = line_changes(target, before, after)
    assert len(lines.operator) == 2 and lines.netorch == []
    assert any("10.9.9.0" in line for line in lines.operator)
    assert any("remote-as 2" in line for line in lines.operator)
    assert len(lines.added) == 1 and "remote-as 3" in lines.added[0]


def test_a_stale_netorch_object_is_removed_and_counted_apart(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stale = "ip prefix-list netorch-site-gone seq 5 permit 10.99.0.0/16\n"
    running = _running(tmp_path / "running", {"nfk-hq-r1": _seed("nfk-hq-r1") + stale})
    code, report, _ = _rehearse(capsys, EXAMPLE, running, "nfk-hq-r1")
    device = report["devices"]["nfk-hq-r1"]  # type: ignore[index]
    assert code == 0 and device["operator_lines_changed"] == 0, device
    assert device["netorch_lines_removed"] == 1
    assert "netorch-site-gone" in device["removed_netorch_lines"][0]


def test_limit_skips_the_files_of_other_devices_in_a_backup_folder(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    running = _running(tmp_path / "running", {n: _seed(n) for n in DEVICES})
    code, report, err = _rehearse(capsys, EXAMPLE, running, "esx-hq-r1")
    assert code == 0, err
    assert list(report["devices"]) == ["esx-hq-r1"]  # type: ignore[call-overload]


def test_running_configs_it_cannot_use_are_errors_at_their_place(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    running = _running(tmp_path / "running", {
        "no-such-device": "hostname x\n", "cam-hq-r1": "frr defaults traditional\n",
        "sfk-hq-r1": "set system host-name sfk-hq-r1\nthis line is not junos {{{\n"})
    code, report, err = _rehearse(capsys, EXAMPLE, running)
    assert code == 1 and report == {}
    lines = err.splitlines()
    assert any(line.startswith(f"{running}/no-such-device.cfg:") and "no device" in line
               for line in lines), err
    assert any(line.startswith(f"{running}/cam-hq-r1.cfg:") and "no simulator" in line
               for line in lines), err
    assert not any("sfk-hq-r1.cfg" in line for line in lines)  # reported once the others load


def test_a_config_the_simulator_cannot_load_is_an_error_at_its_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    running = _running(tmp_path / "running", {
        "sfk-hq-r1": "set system host-name sfk-hq-r1\nthis line is not junos {{{\n"})
    code, _, err = _rehearse(capsys, EXAMPLE, running, "sfk-hq-r1")
    assert code == 1
    assert re.search(rf"^{re.escape(str(running))}/sfk-hq-r1\.cfg:2:1: error: ", err, re.M), err


def test_a_running_config_linked_from_outside_the_folder_is_not_read(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    secret = tmp_path / "master.secret"
    secret.write_text("not-for-the-simulator-0123456789\n")
    running = tmp_path / "running"
    running.mkdir()
    (running / "nfk-hq-r1.cfg").symlink_to(secret)
    code, _, err = _rehearse(capsys, EXAMPLE, running, "nfk-hq-r1")
    assert code == 1 and "not-for-the-simulator" not in err
    assert f"{running}/nfk-hq-r1.cfg:" in err and "outside the --running folder" in err


def test_the_readme_example_rehearses_clean(capsys: pytest.CaptureFixture[str]) -> None:
    """README's `netorch rehearse inventories/eastern-region --running examples/running`:
    the operator's cloud VPN, OSPF loopback, zone and firewall objects all survive."""
    code, report, err = _rehearse(capsys, EXAMPLE, REPO / "examples" / "running")
    assert code == 0, err
    devices = report["devices"]
    assert isinstance(devices, dict) and sorted(devices) == sorted(DEVICES)
    assert all(d["operator_lines_changed"] == 0 and d["idempotent"] for d in devices.values())
