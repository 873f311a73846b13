"""A certificate fabric in the lab runs with certificates: `lab up` makes the lab's own PKI
in its workdir (netorch.pki), deploy delivers each device's CA, certificate, CRL and
derived key, and every SA authenticates with pubkey. Revoking one device and pushing the
CRL (a redeploy: deploy's own code path, `swanctl --load-all --clear`) keeps that device's
tunnels from establishing again, while every other tunnel stays up. One lab for the
module; its teardown removes it."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from netorch.inventory import load
from netorch.lab import LabUpResult, labpki, labtest, pipeline, probe, runtime
from netorch.lab.daemons import device_dir
from netorch.lab.runtime import Runtime

from .conftest import FIXTURES, module_lab

pytestmark = pytest.mark.lab
INVENTORY = FIXTURES / "three-site-cert.yaml"
LAB = "t-pki"
REVOKED = "spoke-b-r1"
SETTLE_SECONDS = 30.0      # the other tunnels back up after the CRL push, at most
WATCH_SECONDS = 10.0       # the revoked device watched after re-initiating
INTERVAL = 0.5             # so at most WATCH_SECONDS / INTERVAL samples


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LabUpResult, Path]]:
    with module_lab(tmp_path_factory, INVENTORY, LAB) as made:
        yield made


def _rt(root: Path) -> Runtime:
    return runtime.attach(load(INVENTORY), LAB, root)


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_the_lab_pki_lives_in_the_workdir_and_keys_stay_private(
        up: tuple[LabUpResult, Path]) -> None:
    result, _ = up
    assert result.ok, result.deploy.as_dict()
    pki_dir = result.workdir / labpki.PKI_DIR
    private = pki_dir / labpki.PRIVATE_DIR
    assert (_mode(pki_dir), _mode(private)) == (0o700, 0o700)
    assert _mode(private / labpki.CA_KEY) == 0o600
    assert _mode(private / labpki.PASSPHRASE) == 0o600
    assert not INVENTORY.with_suffix(".pki").exists(), "nothing is written beside the inventory"
    key = device_dir(result.workdir, _rt(up[1]).spec.device("hub-r1")) / "root" / "etc" \
        / "swanctl" / "private" / "netorch.key"
    assert _mode(key) == 0o600
    body = [line for line in key.read_text().splitlines() if "-----" not in line]
    audit = (result.workdir / "deploy-audit.jsonl").read_text()
    assert body and not any(line in audit for line in body)


def test_every_sa_authenticates_with_the_lab_certificates(up: tuple[LabUpResult, Path]) -> None:
    rt = _rt(up[1])
    plan = pipeline.plan_for(rt, load(INVENTORY))
    ok, summary, details = labtest.check_ike(rt, plan)
    assert ok, details
    assert summary.endswith("auth pubkey 8"), summary


def _states(rt: Runtime) -> tuple[set[str], set[str]]:
    """(established tunnel ends of REVOKED, tunnel ends of the others not established),
    each as DEVICE/CONNECTION."""
    revoked_up, others_down = set(), set()
    for dev in rt.spec.devices:
        sas = probe.sa_state(rt, dev)
        for conn in probe.auth_methods(rt, dev):
            end = f"{dev.name}/{conn}"
            touches = dev.name == REVOKED or conn.startswith(f"{REVOKED}-")
            if touches and sas.established(conn):
                revoked_up.add(end)
            elif not touches and not sas.established(conn):
                others_down.add(end)
    return revoked_up, others_down


def _reinitiate(rt: Runtime) -> None:
    """Close the revoked device's IKE_SAs, then initiate each again from both ends."""
    dev = rt.spec.device(REVOKED)
    conns = sorted(probe.auth_methods(rt, dev))
    for conn in conns:
        probe.swanctl(rt, dev, ["--terminate", "--ike", conn, "--timeout", "3"], check=False)
    for peer in rt.spec.devices:
        for conn in sorted(probe.auth_methods(rt, peer)):
            if peer.name == REVOKED or conn.startswith(f"{REVOKED}-"):
                probe.swanctl(rt, peer, ["--initiate", "--ike", conn, "--child", conn,
                                         "--timeout", "3"], check=False)


def test_a_revoked_device_cannot_establish_while_the_others_stay_up(
        up: tuple[LabUpResult, Path]) -> None:
    _, root = up
    rt = _rt(root)
    inventory = load(INVENTORY)
    done = labpki.revoke(rt.workdir, pipeline.lab_inventory(inventory, rt.spec), REVOKED)
    assert done and REVOKED in done[0]
    pushed = pipeline.deploy(rt, inventory)
    assert pushed.result.ok, pushed.result.as_dict()
    assert {d.outcome.value for d in pushed.result.devices} == {"committed"}
    for dev in rt.spec.devices:  # every box holds the CRL listing the device
        crls = probe.swanctl(rt, dev, ["--list-certs", "--type", "x509crl"])
        assert "1 revoked certificate" in crls, (dev.name, crls)
        assert re.search(r"authKeyId: +[0-9a-f]{2}:", crls), (
            f"{dev.name}: the CRL has no authorityKeyIdentifier, so charon never consults it "
            "(revocation_validator.c looks CRLs up by the CA's key id; docs/pki.md, Linux)")

    _reinitiate(rt)
    began = time.monotonic()
    while _states(rt)[1] and time.monotonic() - began < SETTLE_SECONDS:
        time.sleep(INTERVAL)
    samples = []
    for _ in range(int(WATCH_SECONDS / INTERVAL)):
        samples.append(_states(rt))
        time.sleep(INTERVAL)
    assert all(not revoked_up for revoked_up, _ in samples), samples
    assert all(not others_down for _, others_down in samples), samples

    hub_log = (device_dir(rt.workdir, rt.spec.device("hub-r1")) / "charon.log").read_text()
    assert f'checking certificate status of "CN={REVOKED}.lab-three"' in hub_log
    assert re.search(r"\[CFG\] certificate was revoked on ", hub_log), "no refusal in the log"
