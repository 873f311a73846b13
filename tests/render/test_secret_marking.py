"""Render marks the files it wrote a key into (`SecretText`), on every platform, and only
those; one `needs_secret` says when a secret is needed; deploy writes marked files 0600."""

from __future__ import annotations

from pathlib import Path

import pytest

from netorch import api
from netorch.deploy.redact import Scrubber, secrets_in
from netorch.keys import Key, Secret, SecretText, holds_key, needs_secret
from netorch.plan.model import FabricPlan
from netorch.platforms.linux_strongswan.driver import FILE_MODE, SECRET_MODE, file_mode
from netorch.render import Renderer, RenderOptions, device_contexts
from netorch.render.engine import _dq

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixtures" / "psk-mesh.yaml"
CERTIFICATES = REPO / "inventories" / "eastern-region"
SECRET = Secret(b"marking-tests-throwaway-master-secret")


@pytest.fixture(scope="module")
def plan() -> FabricPlan:
    return api.plan(api.load(FIXTURE))


def _keys(plan: FabricPlan, device: str) -> set[str]:
    return {SECRET.derive(plan.fabric.name, t.key_ref) for t in plan.tunnels_of(device)
            if t.key_ref is not None}


def test_exactly_the_files_holding_a_key_are_marked(plan: FabricPlan) -> None:
    files = api.render(plan, SECRET)
    assert {d.platform for d in plan.devices} == {
        "cisco_iosxe", "juniper_junos", "fortinet_fortios", "linux_strongswan"}
    marked = set()
    for device, texts in files.items():
        keys = _keys(plan, device)
        assert keys
        for name, text in texts.items():
            assert holds_key(text) == any(k in text for k in keys), (device, name)
            if holds_key(text):
                marked.add(name)
    # every platform's key file, written directly (IOS, strongSwan) or through `dq`
    assert marked == {"config.ios", "config.set", "config.fortios", "swanctl.conf"}


def test_a_redacted_render_marks_nothing(plan: FabricPlan) -> None:
    files = api.render(plan, redact=True)
    assert not any(holds_key(t) for texts in files.values() for t in texts.values())


def test_the_lab_dataplane_marks_its_key_file(plan: FabricPlan) -> None:
    files = api.render(plan, SECRET, options=RenderOptions(dataplane="lab"))
    linux = files["ml-r1"]
    assert [n for n, t in sorted(linux.items()) if holds_key(t)] == ["swanctl.conf"]


def test_a_renderer_reused_starts_each_file_unmarked(plan: FabricPlan) -> None:
    renderer = Renderer()
    contexts = list(device_contexts(plan, SECRET, redact=False,
                                    options={"dataplane": "kernel"}))
    for ctx in contexts + contexts:
        out = renderer.render_device(ctx)
        assert [n for n, t in out.items() if holds_key(t)] in (
            [], ["config.ios"], ["config.set"], ["config.fortios"], ["swanctl.conf"])


def test_dq_keeps_a_key_a_key() -> None:
    assert isinstance(_dq(Key("ab" * 32)), Key)
    assert not isinstance(_dq('a "b"'), Key)


def test_needs_secret(plan: FabricPlan) -> None:
    assert needs_secret(plan.fabric) and not needs_secret(plan.fabric, redact=True)
    assert all(needs_secret(t) for t in plan.tunnels)
    certificates = api.plan(api.load(CERTIFICATES))
    assert not needs_secret(certificates.fabric)
    assert api.render(certificates, None)  # no secret asked for


def test_deploy_writes_a_marked_file_0600(plan: FabricPlan) -> None:
    """The Linux driver's mode: 0600 for swanctl.conf whatever it holds (the box keeps
    its keys there) and for any file render marked; 0644 otherwise."""
    files = api.render(plan, SECRET, devices={"ml-r1"})["ml-r1"]
    assert {n: file_mode(n, t) for n, t in files.items()} == {
        "swanctl.conf": SECRET_MODE, "frr.conf": FILE_MODE, "interfaces.sh": FILE_MODE}
    assert file_mode("frr.conf", files["swanctl.conf"]) == SECRET_MODE
    assert file_mode("swanctl.conf", "# no key\n") == SECRET_MODE


def test_a_key_written_through_another_filter_still_marks_its_file(
        plan: FabricPlan, tmp_path: Path) -> None:
    """A user's template that passes the key through a filter (`upper` returns a plain
    str) loses the `Key` type; the shape check still marks the file, so it is 0600."""
    linux = tmp_path / "linux_strongswan"
    linux.mkdir()
    (linux / "keys.txt.j2").write_text(
        "{% for v in tunnels %}{{ v.psk | upper }}\n{% endfor %}", encoding="utf-8")
    (linux / "plain.txt.j2").write_text("{{ device.name }}\n", encoding="utf-8")
    files = api.render(plan, SECRET, options=RenderOptions(template_dirs=(tmp_path,)))
    texts = files["ml-r1"]
    assert any(k.upper() in texts["keys.txt"] for k in _keys(plan, "ml-r1"))
    assert holds_key(texts["keys.txt"])
    assert not holds_key(texts["plain.txt"])


def test_deploy_scrubs_a_key_in_a_syntax_it_does_not_know(plan: FabricPlan) -> None:
    """A plugin platform writes its key its own way: in a file render marked, every
    key-shaped value is a secret for deploy's scrubber, whatever the line looks like."""
    key = next(iter(_keys(plan, "ml-r1")))
    files = [SecretText(f"tunnel 7 auth-blob {key} mode x\n"), "hostname r1\n"]
    scrub = Scrubber(secrets_in(files))
    assert key in secrets_in(files)
    assert key not in scrub(f"Netmiko failed sending: tunnel 7 auth-blob {key} mode x")
    assert secrets_in(["hostname " + key + "\n"]) == frozenset()  # unmarked: no guess
