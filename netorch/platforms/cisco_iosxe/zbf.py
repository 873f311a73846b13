"""The segmentation policy's zone-based firewall objects (templates/cisco_iosxe/_policy.j2):
which are netorch's, and how a running config shows them next to how netorch renders them.

- named objects: `object-group network|service`, `ip access-list extended`, `class-map
  type inspect`, `policy-map type inspect`, `zone security` and `zone-pair security`
  whose name starts with `netorch-` (`NAMED`);
- the default zone (`zone security default`, built into IOS-XE: the zone of every
  interface in no other zone) is netorch's only while its description starts with the
  marker (`owned_default_zone`): netorch enables it for its policy and removes it with
  the policy; an operator's (no marker) serves as it is and is never changed or removed;
- the tunnels' `zone-member security` lines belong to netorch's marked interfaces.

How IOS-XE shows them (`as_rendered` reads them back as rendered): it numbers a named
ACL's entries itself (`10 permit ...`), which netorch leaves out (its entries are allows
whose order does not matter), and shows a port with a name by the name (`tcp eq www`,
`eq bgp`; netorch/platforms/cisco_iosxe/ports.py).
"""

from __future__ import annotations

import re

from netorch.platforms.cisco_iosxe import PLATFORM, ports

PREFIX = PLATFORM.owned["prefix"]
MARKER = PLATFORM.owned["marker"]
_N = re.escape(PREFIX) + r"\S+"
NAMED = (rf"object-group (?:network|service) {_N}$|ip access-list extended {_N}$|"
         rf"class-map type inspect (?:match-any|match-all) {_N}$|"
         rf"policy-map type inspect {_N}$|zone security {_N}$|zone-pair security {_N} ")
DEFAULT_ZONE = "zone security default"
_ACL = re.compile(rf"^ip access-list extended {_N}$")
_SERVICES = re.compile(rf"^object-group service {_N}$")
_HEADS = ("ip access-list extended ", "object-group service ")
_SEQUENCE = re.compile(r"^(\s*)\d+ ((?:permit|deny|remark) .*)$")


def owned_default_zone(section: list[str]) -> bool:
    """Whether a `zone security default` section is netorch's: its description has the
    marker.

    >>> owned_default_zone(["zone security default", " description netorch: LANs"])
    True
    >>> owned_default_zone(["zone security default", " description LANs"])
    False
    """
    return section[0] == DEFAULT_ZONE and any(
        line.strip().startswith(f"description {MARKER}") for line in section[1:])


def as_rendered(header: str, line: str) -> str:
    """A line of the top-level section `header` as netorch renders it: its own ACLs'
    entries without IOS's sequence numbers, its service object-groups' ports as numbers.

    >>> as_rendered("ip access-list extended netorch-rule-1", " 10 permit object-group a")
    ' permit object-group a'
    >>> as_rendered("ip access-list extended netorch-c", " 20 permit tcp any eq bgp any")
    ' permit tcp any eq 179 any'
    >>> as_rendered("object-group service netorch-svc-http", " tcp eq www")
    ' tcp eq 80'
    >>> as_rendered("ip access-list extended OPERATOR", " 10 permit ip any any")
    ' 10 permit ip any any'
    """
    if not header.startswith(_HEADS):  # the common case: one test
        return line
    indent = line[:len(line) - len(line.lstrip())]
    if _ACL.match(header):
        return indent + ports.acl_numbered(_SEQUENCE.sub(r"\1\2", line).strip())
    if _SERVICES.match(header):
        return indent + ports.numbered(line.strip())
    return line
