"""`netorch.api.render` for linux_strongswan: keys, redaction, the lab dataplane option."""

from __future__ import annotations

from pathlib import Path

import pytest

from netorch import api
from netorch.errors import SecretMissing
from netorch.keys import REDACTED, Secret
from netorch.plan.model import FabricPlan
from netorch.render import RenderOptions

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "psk-mesh.yaml"
SECRET = Secret(b"render-api-throwaway-master-secret")
LINUX = {"ml-r1", "ml-r2", "mn-r1"}
PRODUCTION_FILES = ["frr.conf", "interfaces.sh", "swanctl.conf"]


@pytest.fixture(scope="module")
def plan() -> FabricPlan:
    return api.plan(api.load(FIXTURE))


def test_render_returns_files_per_device(plan: FabricPlan) -> None:
    files = api.render(plan, SECRET, devices=LINUX)
    assert sorted(files) == sorted(LINUX)
    assert all(sorted(f) == PRODUCTION_FILES for f in files.values())


def test_each_tunnel_key_is_in_both_ends_secrets(plan: FabricPlan) -> None:
    files = api.render(plan, SECRET, devices=LINUX)
    tunnel = next(t for t in plan.tunnels if {t.a.device, t.b.device} <= LINUX)
    assert tunnel.key_ref is not None
    key = SECRET.derive(plan.fabric.name, tunnel.key_ref)
    assert key in files[tunnel.a.device]["swanctl.conf"]
    assert key in files[tunnel.b.device]["swanctl.conf"]
    assert key not in files[tunnel.a.device]["frr.conf"]


def test_psk_without_secret_raises(plan: FabricPlan) -> None:
    with pytest.raises(SecretMissing):
        api.render(plan, None, devices=LINUX)


def test_redacted_render_needs_no_secret(plan: FabricPlan) -> None:
    files = api.render(plan, None, redact=True, devices=LINUX)
    assert f'secret = "{REDACTED}"' in files["ml-r1"]["swanctl.conf"]


def test_production_output_does_not_depend_on_lab_extras(plan: FabricPlan) -> None:
    default = api.render(plan, redact=True, devices=LINUX)
    explicit = api.render(plan, redact=True, devices=LINUX, options=RenderOptions(
        dataplane="kernel", extra={"vici_socket": "unix:///tmp/x.vici"}))
    assert default == explicit
    assert "strongswan.conf" not in default["ml-r1"]
    assert "vxlan" not in "".join(default["ml-r1"].values())


def test_lab_dataplane_uses_vxlan_over_endpoint_selectors(plan: FabricPlan) -> None:
    lab = api.render(plan, redact=True, devices=LINUX, options=RenderOptions(dataplane="lab"))
    ml = lab["ml-r1"]
    assert sorted(ml) == ["frr.conf", "interfaces.sh", "strongswan.conf", "swanctl.conf"]
    assert "type xfrm" not in ml["interfaces.sh"] and "if_id" not in ml["swanctl.conf"]
    assert "kernel-libipsec" in ml["strongswan.conf"]
    vnis = [line.split(" id ")[1].split()[0] for line in ml["interfaces.sh"].splitlines()
            if "type vxlan" in line]
    assert len(vnis) == len(set(vnis)) == len(plan.device("ml-r1").tunnels)
    assert "local_ts = 198.19." in ml["swanctl.conf"]


def test_lab_vici_socket_option(plan: FabricPlan) -> None:
    lab = api.render(plan, redact=True, devices={"ml-r1"}, options=RenderOptions(
        dataplane="lab", extra={"vici_socket": "unix:///run/lab/charon.vici"}))
    assert lab["ml-r1"]["strongswan.conf"].count("socket = unix:///run/lab/charon.vici") == 2
