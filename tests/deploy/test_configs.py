"""The pure config logic of each platform (no device): ownership, secrets, containers."""

from __future__ import annotations

from netorch.platforms.cisco_iosxe import config as ios
from netorch.platforms.fortinet_fortios import config as fortios
from netorch.platforms.juniper_junos import config as junos

FORTI_RUNNING = """config router static
    edit 1
        set gateway 198.51.100.25
        set device "port1"
    next
    edit 1000001001
        set dst 10.9.0.0 255.255.0.0
        set blackhole enable
        set comment "netorch: anchor"
    next
end
config firewall policy
    edit 1
        set name "operator-outbound"
    next
    edit 1000000003
        set name "netorch-fabric-transit"
    next
end
"""
FORTI_INTENDED = """config firewall policy
    edit 1000000001
        set name "netorch-lan-to-fabric"
    next
end
config router static
    edit 1000001002
        set dst 10.3.0.0 255.255.0.0
        set blackhole enable
    next
end
"""


def test_fortios_owns_exactly_its_reserved_ids() -> None:
    commands = fortios.plan_change(FORTI_RUNNING, FORTI_INTENDED).commands
    assert "delete 1000001001" in commands and "delete 1000000003" in commands
    assert "edit 1000001002" in commands and "edit 1000000001" in commands
    assert not any(c in ("edit 1", "delete 1") for c in commands), commands
    kept = fortios.managed(FORTI_RUNNING, FORTI_INTENDED)
    assert "operator" not in kept and "198.51.100.25" not in kept


JUNOS_RUNNING = """set routing-options static route 0.0.0.0/0 next-hop 198.51.100.17
set routing-options static route 203.0.113.9/32 next-hop 198.51.100.17
set routing-options static route 203.0.113.9/32 tag 1000000000
set security zones security-zone trust interfaces ge-0/0/2.0
"""
JUNOS_INTENDED = """set security zones security-zone trust
set routing-options static route 10.2.0.0/16 discard
set routing-options static route 10.2.0.0/16 tag 1000000000
"""


def test_junos_owns_tagged_static_routes_only() -> None:
    commands = junos.plan_change(JUNOS_RUNNING, JUNOS_INTENDED).commands
    assert "delete routing-options static route 203.0.113.9/32" in commands  # the whole route
    assert not any("0.0.0.0/0" in c for c in commands), commands


def test_junos_bare_container_with_children_is_present() -> None:
    commands = junos.plan_change(JUNOS_RUNNING, JUNOS_INTENDED).commands
    assert "set security zones security-zone trust" not in commands
    without_zone = JUNOS_RUNNING.replace("set security zones security-zone trust interfaces "
                                         "ge-0/0/2.0\n", "")
    assert "set security zones security-zone trust" in \
        junos.plan_change(without_zone, JUNOS_INTENDED).commands


def test_encrypted_keys_count_as_present_unless_rotating() -> None:
    junos_policy = "set security ike policy netorch-st0-1 pre-shared-key ascii-text"
    junos_running = f'{junos_policy} "$9$xYz"\n'
    junos_intended = f'{junos_policy} "Plain-Key-1"\n'
    forti_running = 'config vpn ipsec phase1-interface\n    edit "nt1"\n' \
                    "        set psksecret ENC QUJDRA==\n    next\nend\n"
    forti_intended = forti_running.replace("ENC QUJDRA==", '"Plain-Key-1"')
    ios_running = "crypto ikev2 keyring k\n peer p\n  pre-shared-key 6 FBdZgGg\n"
    ios_intended = "crypto ikev2 keyring k\n peer p\n  pre-shared-key Plain-Key-1\n"
    for module, running, intended in ((junos, junos_running, junos_intended),
                                      (fortios, forti_running, forti_intended),
                                      (ios, ios_running, ios_intended)):
        assert not module.plan_change(running, intended), module.__name__
        rotate = module.plan_change(running, intended, rotate_keys=True)
        assert any("Plain-Key-1" in c for c in rotate.commands), module.__name__
        assert "Plain-Key-1" not in module.managed(running, intended)
    # a key the device shows in plain text is compared as it is
    assert junos.plan_change(junos_intended.replace("Plain", "Other"), junos_intended)
    # a stale tunnel's key goes with its IKE policy, never typed by its encrypted value
    assert junos.plan_change(junos_running, "").commands == [
        "delete security ike policy netorch-st0-1"]
