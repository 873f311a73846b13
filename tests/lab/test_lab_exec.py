"""`lab exec` and `lab status --format json` on one running three-site lab, and `lab
verify --format json` read back by `report --state` as a lab's state.

One lab for the module (`t-exec`), torn down at the end whatever happens."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from netorch import cli
from netorch.inventory import load
from netorch.lab import LabError, lab_exec, lab_status, lab_up, lab_verify, labtest, runtime
from netorch.lab.names import lab_tag
from netorch.lab.pipeline import plan_for
from netorch.lab.spec import LabSpec
from netorch.lab.teardown import lab_namespaces

from .conftest import FIXTURES

pytestmark = pytest.mark.lab
INVENTORY = FIXTURES / "three-site.yaml"
LAB = "t-exec"
CONVERGE = 60.0  # seconds verify may wait for every SA and BGP session


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, LabSpec]]:
    root = tmp_path_factory.mktemp("labs")
    try:
        up = lab_up(INVENTORY, lab=LAB, root=root)
        assert up.ok, [(d.device, d.error) for d in up.deploy.devices]
        verified = lab_verify(INVENTORY, lab=LAB, root=root, wait=CONVERGE)
        assert verified.report.ok, verified.report.table()
        # sessions up is not routes in: wait for every LAN route in every kernel too
        inventory = load(INVENTORY)
        rt = runtime.attach(inventory, LAB, root)
        ok, summary, gaps = labtest.check_bgp(rt, plan_for(rt, inventory), CONVERGE)
        assert ok, (summary, gaps)
        yield root, rt.spec
    finally:
        runtime.stop(LAB, root)
        assert not lab_namespaces(lab_tag(LAB)), "the module's lab left namespaces behind"


def _lab(root: Path, action: str, *argv: str) -> list[str]:
    """`netorch lab ACTION INVENTORY --lab LAB --workdir ROOT ARGV...` (options first: what
    follows `--` is the command's)."""
    return ["lab", action, str(INVENTORY), "--lab", LAB, "--workdir", str(root), *argv]


def _host(spec: LabSpec, site: str) -> str:
    return str(next(h.address for h in spec.hosts if h.site == site))


def test_status_json_matches_the_lab_spec(lab: tuple[Path, LabSpec],
                                          capsys: pytest.CaptureFixture[str]) -> None:
    root, spec = lab
    capsys.readouterr()
    assert cli.main(_lab(root, "status", "--format", "json")) == 0
    status = json.loads(capsys.readouterr().out)
    assert (status["lab"], status["phase"], status["healthy"]) == (LAB, "up", True)
    assert status["sites"] == lab_status(INVENTORY, lab=LAB, root=root).as_dict()["sites"]
    assert set(status["sites"]) == {h.site for h in spec.hosts} == {"hub", "spoke-a", "spoke-b"}
    for host in spec.hosts:
        site = status["sites"][host.site]
        assert site["lan_host"] == str(host.address) and site["namespace"] == host.ns
        devices = [d for d in spec.devices if d.site == host.site]
        assert set(site["devices"]) == {d.name for d in devices}
        for dev in devices:
            got = site["devices"][dev.name]
            assert got["mgmt"] == str(dev.mgmt.ip) and got["namespace"] == dev.ns
            assert got["endpoints"] == {u: str(a) for u, a in dev.endpoints.items()}
            assert got["daemons"] and all(got["daemons"].values())
            assert got["bgp_up"] == got["bgp_total"] > 0 and got["ike_sas_up"] > 0


def test_exec_runs_in_the_lan_host_and_passes_output_through(
        lab: tuple[Path, LabSpec], capfd: pytest.CaptureFixture[str]) -> None:
    root, spec = lab
    capfd.readouterr()
    assert cli.main(_lab(root, "exec", "spoke-a", "--", "ip", "-4", "-o", "addr", "show")) == 0
    out = capfd.readouterr().out
    assert f"inet {_host(spec, 'spoke-a')}/16" in out
    assert _host(spec, "hub") not in out


def test_exec_ping_reaches_another_sites_lan_host_through_the_fabric(
        lab: tuple[Path, LabSpec], capfd: pytest.CaptureFixture[str]) -> None:
    root, spec = lab
    for far in ("hub", "spoke-b"):
        argv = ("ping", "-c1", "-W3", _host(spec, far))
        assert cli.main(_lab(root, "exec", "spoke-a", "--", *argv)) == 0
        assert "1 received" in capfd.readouterr().out


def test_exec_returns_the_commands_exit_status(lab: tuple[Path, LabSpec],
                                               capfd: pytest.CaptureFixture[str]) -> None:
    root, _ = lab
    assert cli.main(_lab(root, "exec", "hub", "--", "sh", "-c", "exit 7")) == 7
    assert cli.main(_lab(root, "exec", "hub", "--", "false")) == 1
    # 192.0.2.1 (TEST-NET-1) is routed nowhere in the lab: ping fails, with its own status
    ping = ["ping", "-c1", "-W1", "192.0.2.1"]
    status = lab_exec(INVENTORY, "hub", ping, lab=LAB, root=root, capture=True).returncode
    assert status in (1, 2) and cli.main(_lab(root, "exec", "hub", "--", *ping)) == status
    assert cli.main(_lab(root, "exec", "hub", "--", "sh", "-c", "kill -TERM $$")) == 143
    capfd.readouterr()


def test_exec_is_argv_without_a_shell(lab: tuple[Path, LabSpec]) -> None:
    root, _ = lab
    text = "$(id) `id` ; id | x > /tmp/nope"
    ran = lab_exec(INVENTORY, "spoke-b", ["echo", text], lab=LAB, root=root, capture=True)
    assert (ran.returncode, ran.stdout) == (0, text + "\n")
    assert ran.namespace == next(h.ns for h in lab[1].hosts if h.site == "spoke-b")


def test_exec_device_namespace(lab: tuple[Path, LabSpec]) -> None:
    root, spec = lab
    dev = spec.device("spoke-a-r1")
    ran = lab_exec(INVENTORY, "spoke-a", ["ip", "-4", "-o", "addr", "show", "dev", "lo"],
                   device="spoke-a-r1", lab=LAB, root=root, capture=True)
    assert ran.returncode == 0 and ran.namespace == dev.ns
    assert all(f"inet {a}/32" in (ran.stdout or "") for a in dev.endpoints.values())


@pytest.mark.parametrize(("argv", "message"), [
    (("exec", "nowhere", "--", "true"),
     "no site 'nowhere' in lab 't-exec': its sites are hub, spoke-a, spoke-b"),
    (("exec", "hub", "--device", "nope-r1", "--", "true"),
     "no device 'nope-r1' in lab 't-exec': the devices of site 'hub' are hub-r1"),
    (("exec", "hub", "--device", "spoke-a-r1", "--", "true"),
     "device 'spoke-a-r1' is at site 'spoke-a', not 'hub'"),
    (("exec", "hub", "--", "no-such-command-x"), "command not found: no-such-command-x"),
])
def test_exec_mistakes_are_one_clean_error(lab: tuple[Path, LabSpec], argv: tuple[str, ...],
                                           message: str,
                                           capfd: pytest.CaptureFixture[str]) -> None:
    root, _ = lab
    capfd.readouterr()
    assert cli.main(_lab(root, *argv)) == 1
    out, err = capfd.readouterr()
    assert out == "" and err.startswith(f"netorch: error: {message}"), err
    assert len(err.splitlines()) == 1


def test_exec_on_a_lab_that_is_not_up_names_lab_up(lab: tuple[Path, LabSpec],
                                                   capfd: pytest.CaptureFixture[str]) -> None:
    root, _ = lab
    capfd.readouterr()
    argv = ["lab", "exec", str(INVENTORY), "hub", "--lab", "t-exec-absent", "--workdir",
            str(root), "--", "true"]
    assert cli.main(argv) == 1
    err = capfd.readouterr().err
    assert "lab 't-exec-absent' is not up (down): start it with `netorch lab up " in err
    with pytest.raises(LabError, match="netorch lab up"):
        lab_exec(INVENTORY, "hub", ["true"], lab="t-exec-absent", root=root)


def test_lab_verify_json_is_a_labs_state_for_report(lab: tuple[Path, LabSpec], tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    root, _ = lab
    capsys.readouterr()
    assert cli.main(_lab(root, "verify", "--format", "json")) == 0
    out = capsys.readouterr().out
    doc = json.loads(out)
    assert (doc["source"], doc["fabric"], doc["schema_version"]) == (f"lab:{LAB}", "lab-three",
                                                                     "1.1")
    state = tmp_path / "verify.json"
    state.write_text(out)
    assert cli.main(["report", str(INVENTORY), "-f", "md", "--state", str(state)]) == 0
    md = capsys.readouterr().out
    assert md.splitlines()[2].startswith(f"> **LAB STATE, NOT PRODUCTION: the live state was "
                                         f"read from the lab '{LAB}'")
