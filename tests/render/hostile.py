"""A two-site inventory of one platform with every text field a placeholder, and hostile
values to put in them (imported by test_hostile_fields.py)."""

from __future__ import annotations

import json
from pathlib import Path

from netorch.platforms import registry

TEMPLATE = """\
fabric:
  name: {fabric_name}
  description: {fabric_description}
  topology: {{kind: hub-and-spoke, hubs: [hub]}}
  underlays:
    {underlay_name}: {{preference: 10, description: {underlay_description}}}
  pools: {{tunnels: 100.64.0.0/16, loopbacks: 100.65.0.0/22}}
  routing: {{protocol: bgp, asn_base: 4200000000}}
  crypto: {{profile: ncsc-prime, auth: certificate}}
sites:
  - name: {site_name}
    id: 1
    organisation: {organisation}
    zone: {zone}
    region: {region}
    description: {site_description}
    lan: [10.1.0.0/16]
    devices:
      - name: {device_name}
        platform: {platform}
        mgmt: {mgmt}
        links:
          - underlay: {link_underlay}
            interface: {interface}
            address: 172.16.1.2/30
            next_hop: 172.16.1.1
  - name: spoke
    id: 2
    organisation: Spoke Org
    zone: police
    region: east
    lan: [10.2.0.0/16]
    devices:
      - name: spoke-r1
        platform: {spoke_platform}
        mgmt: 192.0.2.2
        links:
          - underlay: private
            interface: {spoke_interface}
            address: 172.16.2.2/30
            next_hop: 172.16.2.1
"""

DEFAULTS = {
    "fabric_name": "unit", "fabric_description": "Unit test fabric",
    "underlay_name": "private", "underlay_description": "Private WAN",
    "site_name": "hub", "organisation": "Hub Org", "zone": "dc", "region": "east",
    "site_description": "Hub site", "device_name": "hub-r1", "mgmt": "192.0.2.1",
    "link_underlay": "private",
}
# Every text field of the inventory (the spoke's are the same fields again).
FIELDS = (*DEFAULTS, "platform", "interface")

# Each would add a statement, end a quoted string or a shell word, or drive a terminal.
HOSTILE = {
    "ios-command": "East\nusername evil privilege 15 secret 0 pwned",
    "junos-command": "x\nset system login user evil class super-user",
    "fortios-psk": 'x"\n        set psksecret "pwned',
    "shell": "eth1; touch /tmp/x",
    "shell-subst": "$(touch /tmp/x)",
    "backtick": "x`id`",
    "double-quote": 'x" ; set system login user evil',
    "semicolon": "a;b",
    "carriage-return": "East\rend",
    "terminal-escape": "East\x1b[2J\x1b]0;pwned\x07",
    "line-separator": "East\u2028pwned",
    "bidi-override": "East\u202epwned",
    "nul": "x\x00y",
    "backslash": "x\\",
    "braces": "x { y }",
    "comment": "x # y",
}


def values(on: str, **changes: str) -> dict[str, str]:
    """Every placeholder: the defaults, platform `on` and its own interface naming, then
    `changes`."""
    example = registry()[on].interface_example
    return {**DEFAULTS, "platform": on, "spoke_platform": on,
            "interface": example, "spoke_interface": example, **changes}


def write(folder: Path, on: str, **changes: str) -> Path:
    """The inventory of platform `on` with `changes`, each value a YAML double-quoted
    scalar (JSON's escapes are YAML's)."""
    text = TEMPLATE.format(**{k: json.dumps(v) for k, v in values(on, **changes).items()})
    path = folder / "fabric.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def line_of(field: str) -> int:
    """The 1-based line of `field`'s placeholder in the inventory."""
    lines = TEMPLATE.splitlines()
    return next(i for i, line in enumerate(lines, 1) if "{" + field + "}" in line)
