"""No inventory text reaches a config or script as anything but data (issue 12, part 1).

Per platform: every text field, fed each hostile value, is refused by validate at its
own line; text that is legal but looks like syntax renders inert; and the renderer's
own guard refuses a hostile value that got past the model, naming device and field.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from netorch import api
from netorch.errors import UserError
from netorch.plan import make_plan
from netorch.plan.model import DevicePlan, FabricPlan, LinkPlan, Tunnel, TunnelEnd
from netorch.platforms import builtin
from netorch.render import Renderer
from netorch.render.engine import UnsafeValue
from tests.render.hostile import FIELDS, HOSTILE, line_of, write

PLATFORMS = [p.name for p in builtin()]
CLI_PLATFORMS = ["cisco_iosxe", "juniper_junos", "fortinet_fortios"]
INJECTED = "username evil privilege 15 secret 0 pwned"
# Right for one platform, wrong for another: each is refused where it is foreign.
FOREIGN = {
    "cisco_iosxe": ["eth0", "ge-0/0/0.0", "port1", "Tunnel0", "Loopback0"],
    "juniper_junos": ["GigabitEthernet1", "eth0", "st0.0", "lo0.0", "port1"],
    "fortinet_fortios": ["GigabitEthernet0/0/1", "ge-0/0/0.0", "nt0", "wan-interface-0001"],
    "linux_strongswan": ["GigabitEthernet0/0/1", "eth0:1", "xfrm0", "lo", "interface-0000001"],
}


def _errors_at(path: Path) -> dict[int, list[str]]:
    """{line: [messages]} of the errors `validate` reports in `path`."""
    found: dict[int, list[str]] = {}
    for f in api.validate(path).errors:
        if Path(f.location.file) == path:
            found.setdefault(f.location.line, []).append(f.message)
    return found


def _cases() -> list[object]:
    """(field, hostile value) pairs, one test id each."""
    # netorch.inventory.errors._data_path drops every loc part holding "[" (to skip
    # pydantic's own tags), a user's mapping key included: the error lands one line up.
    misplaced = pytest.mark.xfail(reason="a mapping key holding '[' is placed at its parent")
    return [pytest.param(field, value, id=f"{field}-{name}",
                         marks=[misplaced] if field == "underlay_name" and "[" in value else [])
            for field in FIELDS for name, value in HOSTILE.items()]


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize(("field", "value"), _cases())
def test_every_hostile_value_is_refused_at_its_line(tmp_path: Path, platform: str,
                                                    field: str, value: str) -> None:
    path = write(tmp_path, platform, **{field: value})
    assert line_of(field) in _errors_at(path)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_foreign_interface_names_are_refused_naming_the_platform(tmp_path: Path,
                                                                 platform: str) -> None:
    for name in FOREIGN[platform]:
        [message] = _errors_at(write(tmp_path, platform, interface=name))[line_of("interface")]
        assert message.startswith(f"'{name}' is not a {platform} interface name"), message
        assert ", e.g. " in message


def _plan(tmp_path: Path, platform: str, **changes: str) -> FabricPlan:
    result = make_plan(api.load(write(tmp_path, platform, **changes)), None)
    assert result.plan is not None, result.findings
    return result.plan


def _lines(files: dict[str, dict[str, str]]) -> list[str]:
    return [line for device in sorted(files) for text in files[device].values()
            for line in text.splitlines()]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_legal_text_that_looks_like_syntax_renders_inert(tmp_path: Path,
                                                         platform: str) -> None:
    odd = "Norfolk (East) & Co's Unit / Dept., 2"
    plain = _lines(api.render(_plan(tmp_path, platform), redact=True))
    tricky = _lines(api.render(_plan(tmp_path, platform, organisation=odd), redact=True))
    assert len(tricky) == len(plain)
    changed = [line for line, before in zip(tricky, plain, strict=True) if line != before]
    assert all(line.startswith(("!", "#")) and odd in line for line in changed), changed


# --- the renderer's guard, for values that never met the model ----------------------


def _with_fabric_name(plan: FabricPlan, name: str) -> FabricPlan:
    return plan.model_copy(update={"fabric": plan.fabric.model_copy(update={"name": name})})


def _with_organisation(plan: FabricPlan, text: str) -> FabricPlan:
    sites = [s.model_copy(update={"organisation": text}) for s in plan.sites]
    return plan.model_copy(update={"sites": sites})


def _with_interface(plan: FabricPlan, device: str, name: str) -> FabricPlan:
    """`device`'s underlay interface renamed everywhere the plan holds it."""
    def end(e: TunnelEnd) -> TunnelEnd:
        return e.model_copy(update={"underlay_interface": name}) if e.device == device else e

    def dev(d: DevicePlan) -> DevicePlan:
        links = [k.model_copy(update={"interface": name}) for k in d.links]
        return d.model_copy(update={"links": links}) if d.name == device else d

    def tun(t: Tunnel) -> Tunnel:
        return t.model_copy(update={"a": end(t.a), "b": end(t.b)})
    return plan.model_copy(update={"devices": [dev(d) for d in plan.devices],
                                   "tunnels": [tun(t) for t in plan.tunnels]})


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("value", ["unit\n" + INJECTED, "unit\r" + INJECTED,
                                   "unit\x1b[2J", "unit\u2028x", "unit\u202ex"])
def test_guard_refuses_a_line_break_or_control_character(tmp_path: Path, platform: str,
                                                         value: str) -> None:
    plan = _with_fabric_name(_plan(tmp_path, platform), value)
    with pytest.raises(UserError, match=r"for device hub-r1: fabric\.name holds"):
        api.render(plan, redact=True)


@pytest.mark.parametrize("platform", CLI_PLATFORMS)
def test_guard_names_the_organisation(tmp_path: Path, platform: str) -> None:
    plan = _with_organisation(_plan(tmp_path, platform), "East\n" + INJECTED)
    with pytest.raises(UserError) as caught:
        api.render(plan, redact=True)
    assert "device hub-r1: site.organisation holds '\\n'" in str(caught.value)


def test_guard_refuses_the_junos_statement_separator(tmp_path: Path) -> None:
    plan = _with_organisation(_plan(tmp_path, "juniper_junos"),
                              "East; set system login user evil class super-user")
    with pytest.raises(UserError, match=r"config\.set for device hub-r1: "
                                        r"site\.organisation holds ';'"):
        api.render(plan, redact=True)


def test_guard_refuses_a_junos_interface_with_a_separator(tmp_path: Path) -> None:
    plan = _with_interface(_plan(tmp_path, "juniper_junos"), "hub-r1",
                           "ge-0/0/0.0;set system login user evil")
    with pytest.raises(UserError, match=r"device\.links\[0\]\.interface holds ';'"):
        api.render(plan, redact=True)


def test_a_quote_in_a_fortios_string_stays_inside_it(tmp_path: Path) -> None:
    plan = _with_interface(_plan(tmp_path, "fortinet_fortios"), "hub-r1",
                           'port1" set psksecret "pwned')
    config = api.render(plan, redact=True)["hub-r1"]["config.fortios"]
    assert '        set interface "port1\\" set psksecret \\"pwned"' in config.splitlines()


def test_a_quote_in_a_junos_string_stays_inside_it(tmp_path: Path) -> None:
    plan = _with_fabric_name(_plan(tmp_path, "juniper_junos"), 'unit" x')
    plan = plan.model_copy(update={"tunnels": [
        t.model_copy(update={"id": t.id + '"x'}) for t in plan.tunnels]})
    config = api.render(plan, redact=True)["hub-r1"]["config.set"]
    assert any(line.endswith('description "hub-r1--spoke-r1--private\\"x"')
               for line in config.splitlines())


def test_a_shell_command_in_a_linux_interface_stays_one_word(tmp_path: Path) -> None:
    plan = _with_interface(_plan(tmp_path, "linux_strongswan"), "hub-r1",
                           "eth1; touch /tmp/x")
    script = api.render(plan, redact=True)["hub-r1"]["interfaces.sh"]
    [line] = [k for k in script.splitlines() if "type xfrm" in k]
    words = shlex.split(line.split("||")[1])
    assert words[words.index("dev") + 1] == "eth1; touch /tmp/x"


def test_a_newline_is_refused_even_shell_quoted(tmp_path: Path) -> None:
    plan = _with_interface(_plan(tmp_path, "linux_strongswan"), "hub-r1", "eth1\ntouch x")
    with pytest.raises(UserError, match=r"interfaces\.sh for device hub-r1: "
                                        r"device\.links\[0\]\.interface holds '\\n'"):
        api.render(plan, redact=True)


@pytest.mark.parametrize("value", ["eth1;id", "a b", "$(id)", "`id`", "a|b", "a&b", "a>b"])
def test_an_unquoted_shell_value_may_hold_no_metacharacter(value: str) -> None:
    env = Renderer().env("linux_strongswan")
    with pytest.raises(UnsafeValue):
        env.from_string("ip link set {{ x }} up").render(x=value, output_file="interfaces.sh")
    quoted = env.from_string("ip link set {{ x | sh }} up").render(
        x=value, output_file="interfaces.sh")
    assert shlex.split(quoted) == ["ip", "link", "set", value, "up"]


def test_links_are_found_by_the_guard() -> None:
    """`find_field` walks models, dataclasses, lists and dicts (a unit check)."""
    from netorch.render.context import find_field

    link = LinkPlan.build(underlay="private", interface="a\nb", address="10.0.0.1/30",
                          next_hop="10.0.0.2", public=None)
    assert find_field({"device": {"links": [link]}}, "a\nb", "\n") == "device.links[0].interface"
    assert find_field({"x": 1}, "a\nb", "\n") == "a template expression"
