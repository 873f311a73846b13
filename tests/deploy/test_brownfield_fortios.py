"""FortiOS brownfield deploys (issue 13): netorch changes only what it owns, by name.

Each case plans against an operator's running config, applies the commands to the
FortiOS simulator (which refuses a removal out of dependency order, as FortiOS does),
and counts the operator's lines the change removed or altered the way `rehearse` does:
lines(before) - lines(after) - lines(managed(before)). One case runs the real deploy
driver over SSH into a VDOM-mode FortiGate.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from netorch.deploy import Credentials, DeployOptions, DeviceTarget, Outcome, deploy_fabric
from netorch.platforms.fortinet_fortios import config as fortios
from netorch.platforms.fortinet_fortios.bgp import owners
from netorch.platforms.fortinet_fortios.names import MARKER, TABLES
from netorch.platforms.fortinet_fortios.sim import FortiOsDevice, FortiOsSession
from netorch.render.engine import Renderer
from netorch.sim.server import Simulator
from tests.deploy.fortios_brownfield_data import (
    DECOYS,
    FLAT,
    GOLDEN,
    RESERVED_NETWORKS,
    VDOM_MODE,
    intended,
)

CORPUS = Path(__file__).resolve().parents[1] / "realworld"
FAILED = ("Command fail", "parse error")


def _device(text: str) -> FortiOsDevice:
    device = FortiOsDevice("fgt")
    device.load_text(text)
    return device


def _apply(device: FortiOsDevice, commands: list[str]) -> None:
    session = FortiOsSession(device)
    for command in commands:
        reply = session.handle(command).text
        assert not any(f in reply for f in FAILED), f"{command!r}: {reply}"
    assert not session.stack, "the commands left a config block open"


def _deploy(text: str, want: str) -> tuple[FortiOsDevice, list[str], list[str]]:
    """Plan, apply; the commands and the operator lines removed or changed."""
    device = _device(text)
    before = device.running_text()
    change = fortios.plan_change(before, want)
    assert not change.conflicts, [str(c) for c in change.conflicts]
    _apply(device, change.commands)
    after = set(fortios.lines(device.running_text()))
    owned = set(fortios.lines(fortios.managed(before, want)))
    removed = [ln for ln in fortios.lines(before) if ln not in after and ln not in owned]
    return device, change.commands, removed


@pytest.mark.parametrize("running", [VDOM_MODE, FLAT], ids=["vdom-mode", "no-vdom"])
def test_joins_the_operators_bgp_and_keeps_its_neighbours(running: str) -> None:
    device, commands, removed = _deploy(running, intended())
    assert removed == []
    text = device.running_text()
    assert 'edit "169.254.21.1"' in text and 'edit "10.41.0.254"' in text
    assert 'config redistribute "connected"' in text and "set keepalive-timer 10" in text
    assert "set as 65010" in text and text.count("set as ") == 1
    assert 'edit "azure"' in text and 'edit "loopback0"' in text
    assert not any(c.startswith(("delete", "unset")) for c in commands), commands
    assert not fortios.plan_change(device.running_text(), intended()), "not idempotent"


def test_vdom_mode_commands_are_wrapped_and_stay_in_the_vdom() -> None:
    device, commands, _ = _deploy(VDOM_MODE, intended())
    assert commands[:2] == ["config global", "config system interface"]
    start = commands.index("config vdom")
    assert commands[start - 2:start + 2] == ["end", "end", "config vdom", "edit root"]
    assert commands[-1] == "end"
    root = fortios.lines(device.running_text())
    assert "vdom root > config router bgp > set as 65010" in root
    assert not any(ln.startswith("vdom dmz") and "netorch" in ln for ln in root)
    assert 'global > config system interface > edit "netorch-lo" > set type loopback' in root


def test_another_asn_or_router_id_is_a_conflict() -> None:
    conflicts = fortios.plan_change(VDOM_MODE, intended(asn=None, router_id=None)).conflicts
    assert {c.resolve for c in conflicts} >= {
        "set `asn: 65010` on the device to join it",
        "set `router_id: 10.255.0.1` on the device to join it"}
    unset = VDOM_MODE.replace("    set as 65010\n", "    set as 0\n")
    assert not fortios.plan_change(unset, intended(asn=None)).conflicts


def test_loopback_and_tunnel_names_in_use_are_conflicts() -> None:
    loopback = fortios.plan_change(FLAT, intended(loopback="loopback0")).conflicts
    assert [c.resolve.split("`")[1] for c in loopback] == ["loopback_interface:"]
    taken = FLAT.replace('    edit "azure"\n        set interface', '    edit "nt52"\n'
                         '        set interface', 1)
    tunnel = fortios.plan_change(taken, intended()).conflicts
    assert [c.line for c in tunnel] == ['config vpn ipsec phase1-interface > edit "nt52"']
    assert "`tunnel_offset: 1000`" in tunnel[0].resolve
    high = taken.replace('edit "port2"', 'edit "nt1500"')
    assert "`tunnel_offset: 2000`" in fortios.plan_change(high, intended()).conflicts[0].resolve


def test_the_word_netorch_in_operator_text_owns_nothing() -> None:
    """The review's repro: "netorchestration", "netorch-style", "netorch-era" were read
    as netorch's marker, and the plan deleted the operator's VLAN, prefix-list and BGP
    peer (and a physical port described "netorch lab LAN", refused mid-push). Only the
    exact `netorch: ` marker on an object netorch can own counts; a port, a VLAN, a
    neighbour without netorch's route-maps, a reserved ID without the marker never."""
    device, commands, removed = _deploy(DECOYS, intended())
    assert removed == []
    assert not any(c.startswith(("delete", "unset")) for c in commands), commands
    _apply(device, fortios.plan_change(device.running_text(), "").commands)  # it leaves
    assert set(fortios.lines(DECOYS)) == _left(device)


def test_the_template_writes_the_one_marker() -> None:
    names = Renderer().env("fortinet_fortios").get_template("_names.j2").module
    assert vars(names)["marker"] == MARKER == "netorch: "


def test_an_operator_entry_at_a_reserved_id_is_a_conflict() -> None:
    """An operator `config network` entry at netorch's IDs was overwritten (1000000001)
    or deleted (1000000007), and so was a static route without netorch's marker: a
    conflict that names the renumbering, also when the device leaves the fabric."""
    change = fortios.plan_change(RESERVED_NETWORKS, intended())
    assert sorted(c.line for c in change.conflicts) == [
        "config router bgp > config network > edit 1000000001",
        "config router bgp > config network > edit 1000000007",
        "config router static > edit 1000000500"]
    assert all("renumber" in c.resolve for c in change.conflicts)
    assert [c.line for c in fortios.plan_change(RESERVED_NETWORKS, "").conflicts] == [
        "config router static > edit 1000000500"]
    renumbered = RESERVED_NETWORKS.replace("edit 1000000001", "edit 11").replace(
        "edit 1000000007", "edit 17").replace("edit 1000000500", "edit 50")
    _deploy(renumbered, intended())


def test_netorchs_networks_are_known_from_the_running_config() -> None:
    """A LAN that changes, and a device that leaves, take netorch's networks along:
    their prefixes are its loopback's and its marked LAN anchors'."""
    device, _, _ = _deploy(FLAT, intended())
    moved = intended().replace("10.34.0.0", "10.35.0.0")
    change = fortios.plan_change(device.running_text(), moved)
    assert not change.conflicts and "set prefix 10.35.0.0 255.255.0.0" in change.commands
    _apply(device, fortios.plan_change(device.running_text(), "").commands)
    assert "edit 100000000" not in device.running_text()
    assert set(fortios.lines(FLAT)) == _left(device)


def _left(device: FortiOsDevice) -> set[str]:
    """The lines left after netorch left (but `user peer`, which it never deletes: a
    peer's name is the far device's, not netorch's)."""
    return {ln for ln in fortios.lines(device.running_text())
            if not ln.startswith("config user peer")}


def test_a_push_refused_halfway_is_rolled_back_whole() -> None:
    """The device refuses a removal (a netorch address left from an earlier deploy that
    the operator's policy now names) after the push added netorch's BGP networks: the
    restore plan the driver sends on failure takes them out again (they stayed: `router
    bgp` was restored only in the sub-tables netorch had in it before)."""
    left = '    edit "netorch-old"\n        set comment "netorch: from an earlier deploy"\n' \
           '        set subnet 10.77.0.0 255.255.0.0\n    next\n'
    running = FLAT.replace('    edit "hq-lan"\n', left + '    edit "hq-lan"\n').replace(
        '        set dstaddr "azure-vnet"', '        set dstaddr "azure-vnet" "netorch-old"')
    device = _device(running)
    session = FortiOsSession(device)
    replies = [session.handle(c).text for c in fortios.plan_change(running, intended()).commands]
    assert "The entry is used by other 1 entries" in replies[-2], replies[-3:]
    assert "edit 1000000001" in device.running_text()
    _apply(device, fortios.plan_change(device.running_text(), intended(),
                                       restore_from=running).commands)
    assert fortios.managed(device.running_text(), intended()) == \
        fortios.managed(running, intended())


def test_vdom_setting_must_match_the_device() -> None:
    missing = fortios.plan_change(VDOM_MODE, intended(vdom="edge")).conflicts
    assert len(missing) == 1 and "no VDOM edge" in missing[0].reason
    flat = fortios.plan_change(FLAT, intended(vdom="dmz")).conflicts
    assert len(flat) == 1 and "not in VDOM mode" in flat[0].reason
    device, _, removed = _deploy(VDOM_MODE, intended(vdom="dmz", asn=None, router_id=None))
    assert removed == []
    dmz = [ln for ln in fortios.lines(device.running_text()) if ln.startswith("vdom dmz")]
    assert "vdom dmz > config router bgp > set as 4200000034" in dmz


def test_stale_objects_go_in_dependency_order() -> None:
    """A site leaves: its address, group and the policy members naming them go; then
    the device leaves the fabric: every netorch object goes, referrers first (the
    simulator refuses to delete an object still named), and nothing of the operator's."""
    device, _, _ = _deploy(VDOM_MODE, intended())
    stale = '    edit "netorch-net-10.91.0.0-16"\n        set comment "netorch: 10.91.0.0/16 ' \
            'in the segmentation policy"\n        set subnet 10.91.0.0 255.255.0.0\n    next\n'
    shrunk = intended().replace(stale, "").replace(' "netorch-net-10.91.0.0-16"', "")
    change = fortios.plan_change(device.running_text(), shrunk)
    assert 'delete "netorch-net-10.91.0.0-16"' in change.commands
    _apply(device, change.commands)
    assert "netorch-net-10.91.0.0-16" not in device.running_text()
    before = device.running_text()
    gone = fortios.plan_change(before, "")
    blocks = [c for c in gone.commands if c.startswith("config ") and c.count(" ") > 1]
    order = [p for p in fortios.DELETE_ORDER if f"config {p}" in blocks]
    assert [b.removeprefix("config ") for b in blocks if b != "config system interface"] \
        == [p for p in order if p != "system interface"]
    _apply(device, gone.commands)
    assert "netorch" not in device.running_text()
    assert set(fortios.lines(VDOM_MODE)) <= set(fortios.lines(device.running_text()))


@pytest.mark.parametrize("golden", sorted(GOLDEN.glob("**/config.fortios")),
                         ids=lambda p: p.parent.name)
def test_every_rendered_object_is_classified_as_netorchs(golden: Path) -> None:
    """The template and fortios_names spell the same names and markers; the BGP
    networks are netorch's by the running config alone (a device leaving the fabric:
    nothing rendered to compare with)."""
    tree = fortios.parse(golden.read_text())
    for name in tree.tables["vpn ipsec phase1-interface"].entries:
        tree.tables["system interface"].entries[name].put("type", "tunnel")  # as FortiOS
    for path, rule in TABLES.items():
        for name, entry in tree.tables.get(path, fortios.Node()).entries.items():
            assert path == "user peer" or rule.owns(name, entry), (path, name)
    bgp = tree.tables["router bgp"]
    for path, owns in owners(tree, fortios.Node()).items():
        assert all(owns(n, e) for n, e in bgp.tables[path].entries.items()), path


def test_lines_are_full_paths_vdom_aware_and_masked() -> None:
    shown = fortios.lines(VDOM_MODE)
    assert 'vdom root > config vpn ipsec phase1-interface > edit "azure" > set psksecret ' \
           "<secret>" in shown
    assert 'global > config system interface > edit "port1" > config ipv6 > set ip6-address ' \
           "2001:db8:1::1/64" in shown
    assert "vdom dmz > config firewall address > edit \"web\" > set subnet 10.20.0.10 " \
           "255.255.255.255" in shown


def _corpus() -> list[dict[str, object]]:
    manifest = CORPUS / "manifest.yaml"
    if not manifest.is_file():
        return []
    entries = yaml.safe_load(manifest.read_text())
    entries = entries.get("configs", entries) if isinstance(entries, dict) else entries
    return [e for e in entries if e["platform"] == "fortinet_fortios"]


# the corpus configs' accept policies from "any" to "any", which sit above netorch's
# deny policies once it deploys its segmentation policy (the spoke golden has one)
SHADOWING = {"lv-fortios-d2-fw": ["1"], "lv-fortios-fw-policy": ["3"]}


def _narrowed(text: str, policy: str, interface: str) -> str:
    """`text` with the operator's policy `policy` taking traffic from `interface` only
    (instead of "any"), one of the resolutions the conflict names."""
    start = text.index(f"    edit {policy}\n", text.index("config firewall policy\n"))
    at = text.index('set srcintf "any"', start)
    return text[:at] + f'set srcintf "{interface}"' + text[at + len('set srcintf "any"'):]


@pytest.mark.parametrize("entry", _corpus(), ids=lambda e: Path(str(e["file"])).stem)
def test_corpus_config_keeps_every_operator_line(entry: dict[str, object]) -> None:
    """Each public FortiOS config: netorch's spoke deploys with 0 operator lines
    changed, once its conflicts are resolved the way the manifest says, and its
    accept-any policies above netorch's deny policies narrowed."""
    text = (CORPUS / str(entry["file"])).read_text()
    asn, router_id = entry.get("bgp_asn"), entry.get("router_id")
    want = intended(asn=int(str(asn)) if asn else None,
                    router_id=str(router_id) if router_id else None,
                    vdom=str(entry["vdom"]) if entry.get("vdom") else None)
    shadowing = SHADOWING.get(Path(str(entry["file"])).stem, [])
    assert [c.line for c in fortios.plan_change(text, want).conflicts] == [
        f"config firewall policy > edit {p}" for p in shadowing]
    for policy in shadowing:
        text = _narrowed(text, policy, str(entry["underlay_interface"]))
    device, _, removed = _deploy(text, want)
    assert removed == []
    assert not fortios.plan_change(device.running_text(), want)


def test_deploys_over_ssh_into_a_vdom(tmp_path: Path) -> None:
    device = _device(VDOM_MODE)
    with Simulator([device]) as sim:
        target = DeviceTarget("fgt", "fortinet_fortios", "127.0.0.1", device.port, "essex",
                              {"config.fortios": intended()})
        options = DeployOptions(commit=True, workers=1, audit_log=tmp_path / "audit.jsonl")
        creds = Credentials("netorch", "lab-pass")
        first = deploy_fabric([target], creds, options).devices[0]
        assert first.outcome is Outcome.COMMITTED, first.as_dict()
        again = deploy_fabric([target], creds, options).devices[0]
        assert again.outcome is Outcome.UNCHANGED, again.as_dict()
        assert 'edit "169.254.21.1"' in sim.call(device.running_text)
