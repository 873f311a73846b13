"""Every rendered linux_strongswan config is accepted by strongSwan's and FRR's own
parsers, and each checker rejects a deliberately broken config."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from netorch import api
from netorch.keys import Secret
from netorch.render import RenderOptions

from ..golden.harness import CASES, Case, plan_of
from .parsers import Charon, ThrowawayCA, check_frr, check_shell, check_swanctl

pytestmark = pytest.mark.realparser
PLATFORM = "linux_strongswan"
SECRET = Secret(b"realparser-throwaway-master-secret")
CASES_BY_NAME = {c.name: c for c in CASES}
SWAN_CASES = [c for c in CASES if c.wants(PLATFORM)]


def _params() -> list[object]:
    return [pytest.param(case.name, device, id=f"{case.name}/{device}")
            for case in SWAN_CASES
            for device in (d.name for d in plan_of(case.inventory).devices
                           if d.platform == PLATFORM)]


@cache
def _rendered(name: str) -> dict[str, dict[str, str]]:
    """Rendered with real (throwaway) keys: the parsers see what a device would."""
    case: Case = CASES_BY_NAME[name]
    plan = plan_of(case.inventory)
    devices = {d.name for d in plan.devices if d.platform == PLATFORM}
    return api.render(plan, SECRET, options=RenderOptions(dataplane=case.dataplane),
                      devices=devices)


def _write(workdir: Path, name: str, text: str) -> Path:
    path = workdir / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(("case", "device"), _params())
def test_swanctl_loads_rendered_config(charon: Charon, ca: ThrowawayCA, case: str,
                                       device: str) -> None:
    plan = plan_of(CASES_BY_NAME[case].inventory)
    dev = plan.device(device)
    if plan.fabric.auth == "certificate":
        ca.install(charon.swanctl_dir, device, dev.ike_id)
    problems = check_swanctl(charon, _rendered(case)[device]["swanctl.conf"], len(dev.tunnels))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("case", "device"), _params())
def test_frr_accepts_rendered_config(tools: None, workdir: Path, case: str,
                                     device: str) -> None:
    path = _write(workdir, "frr.conf", _rendered(case)[device]["frr.conf"])
    problems = check_frr(path)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("case", "device"), _params())
def test_interfaces_script_parses(tools: None, workdir: Path, case: str, device: str) -> None:
    path = _write(workdir, "interfaces.sh", _rendered(case)[device]["interfaces.sh"])
    problems = check_shell(path)
    assert not problems, "\n".join(problems)


def _sample(name: str = "psk-mesh", device: str = "ml-r1") -> str:
    return _rendered(name)[device]["swanctl.conf"]


def test_swanctl_check_rejects_bad_proposal(charon: Charon) -> None:
    broken = re.sub(r"(?m)^(\s+proposals = ).*$", r"\1aes128gcm16-prfsha256-nosuchgroup",
                    _sample(), count=1)
    problems = check_swanctl(charon, broken, 5)
    assert problems and "proposal" in "".join(problems).lower()


def test_swanctl_check_rejects_syntax_error(charon: Charon) -> None:
    broken = _sample().replace("    local {", "    local {{", 1)
    problems = check_swanctl(charon, broken, 5)
    assert problems and "syntax error" in "".join(problems)


def test_swanctl_check_rejects_missing_certificate(charon: Charon) -> None:
    """Certificate auth naming a certificate that is not there is refused."""
    text = _rendered("eastern-region")["cam-hq-r1"]["swanctl.conf"].replace(
        "certs = cam-hq-r1.crt", "certs = no-such-device.crt")
    problems = check_swanctl(charon, text, 8)
    assert problems and "no-such-device.crt" in "".join(problems)


def test_frr_check_rejects_unknown_command(tools: None, workdir: Path) -> None:
    text = _rendered("psk-mesh")["ml-r1"]["frr.conf"].replace(
        " bgp log-neighbor-changes", " bgp log-neighbour-chatter", 1)
    problems = check_frr(_write(workdir, "frr.conf", text))
    assert problems and "Unknown command" in "".join(problems)


def test_shell_check_rejects_broken_script(tools: None, workdir: Path) -> None:
    text = _rendered("psk-mesh")["ml-r1"]["interfaces.sh"] + "if true; then\n"
    problems = check_shell(_write(workdir, "interfaces.sh", text))
    assert problems and "syntax error" in "".join(problems)
