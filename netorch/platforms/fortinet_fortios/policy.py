"""The segmentation policy on FortiOS: the IDs and names of netorch's firewall policies.

FortiOS numbers its policies (`config firewall policy` > `edit <policyid>`) and names
them (`set name`, at most 35 characters, unique in the VDOM: FortiOS 7.4.6 CLI
Reference, config firewall policy, "name"; FortiOS 6.0 Handbook, "Policy names").
netorch's policies take IDs from its reserved range (`names.RESERVED_IDS`, which
deploy owns whole), so they never meet the operator's, and each keeps its ID across
deploys whatever other rules come and go:

- `id_base + 1..3`: the flat fabric's permit-all policies (no policy in the inventory;
  templates/fortinet_fortios/_names.j2 `policy_id`);
- `id_base + 11..13`: the policy's final deny-and-log policies, out of the site (LAN to
  tunnels), into it (tunnels to LAN) and in transit (tunnel to tunnel);
- `id_base + 1,000,000 + 4 * slot + direction` (direction 0 out, 1 in, 2 transit): a
  flow rule's accept policies. `rule-N` (the N-th rule of the inventory) has slot N;
  the rules netorch adds (`same-org-*`, `default`, `default-org-*`) have a slot from a
  hash of their name between 1,000,000 and 9,000,000, the next free one on a clash
  (rules in name order): a rule's IDs depend only on its name.

The highest ID, id_base + 36,999,998, stays inside `RESERVED_IDS`.

The template reads them as `options.fortios_policies` ({rule name: {direction: (id,
name)}}, and "deny" for the deny policies), given by `template_variables`, the
plugin's variables hook; `options.fortios_members` gives each address group's sites as
a set (is this device's site on a side of a rule).

Deploy (netorch/platforms/fortinet_fortios/config.py) reads a policy's missing `set
action` as the device's default (`default_action`) and refuses an operator's policy
that would shadow netorch's deny policies (`shadowing`): FortiOS matches policies top
down, in list order (Fortinet KB 197353), so an operator's accept above netorch's
deny-and-log policies would let through flows no rule names.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from netorch.platforms.fortinet_fortios import PLATFORM
from netorch.platforms.fortinet_fortios.tree import Node

if TYPE_CHECKING:
    from netorch.deploy.change import Conflict
    from netorch.plan.model import FabricPlan, PolicyPlan

ID_BASE = int(PLATFORM.owned["id_base"])
PREFIX = PLATFORM.owned["prefix"]
DIRECTIONS = ("out", "in", "transit")  # LAN -> tunnels, tunnels -> LAN, tunnel -> tunnel
DENY_BASE = ID_BASE + 11
RULE_BASE = ID_BASE + 1_000_000
NUMBERED = 1_000_000  # rule-N takes slot N below this
HASHED = 8_000_000  # slots of the other rules: NUMBERED .. NUMBERED + HASHED - 1
NAME_MAX = 35  # FortiOS policy names
_RULE_N = re.compile(r"rule-([1-9][0-9]*)")
ZONES = frozenset({f"{PREFIX}lan", f"{PREFIX}vpn"})  # the zones netorch's policies join
TABLE = "firewall policy"

Slots = dict[str, dict[str, tuple[int, str]]]


def template_variables(plan: FabricPlan, options: Mapping[str, object]
                       ) -> dict[str, object]:
    """`fortios_policies` and `fortios_members` for a fabric with a policy (nothing
    without one, or when the caller gave its own)."""
    if plan.policy is None or "fortios_policies" in options:
        return {}
    return {"fortios_policies": policy_slots(plan.policy),
            "fortios_members": {g.name: frozenset(g.sites) for g in plan.policy.groups}}


def policy_slots(policy: PolicyPlan) -> Slots:
    """{rule name: {direction: (policy ID, policy name)}}, and "deny": the deny policies.

    >>> from netorch.plan.model import FlowRule, PolicyPlan
    >>> rule = FlowRule(name="rule-2", origin="rules[1]", description="", source="any",
    ...                 destination="any", services=["any"])
    >>> policy_slots(PolicyPlan(default="deny", same_organisation="deny", services=[],
    ...                         groups=[], rules=[rule]))["rule-2"]["in"]
    (1001000009, 'netorch-rule-2-in')
    """
    out: Slots = {"deny": {d: (DENY_BASE + i, f"{PREFIX}deny-{d}")
                           for i, d in enumerate(DIRECTIONS)}}
    taken: set[str] = {name for _, name in out["deny"].values()}
    for rule, slot in rule_slots(r.name for r in policy.rules).items():
        ids = {d: RULE_BASE + 4 * slot + i for i, d in enumerate(DIRECTIONS)}
        out[rule] = {d: (ids[d], _unique(policy_name(rule, d), ids[d], taken))
                     for d in DIRECTIONS}
    return out


def rule_slots(rules: Iterable[str]) -> dict[str, int]:
    """Each rule's slot: N for `rule-N`, else from a hash of its name (the next free
    slot on a clash, rules in name order).

    >>> rule_slots(["rule-1", "rule-12", "default"])
    {'rule-1': 1, 'rule-12': 12, 'default': 8038095}
    """
    names = list(rules)
    slots: dict[str, int] = {}
    for name in names:
        number = _RULE_N.fullmatch(name)
        if number and int(number[1]) < NUMBERED:
            slots[name] = int(number[1])
    used = set(slots.values())
    for name in sorted(n for n in names if n not in slots):
        slot = NUMBERED + int(hashlib.sha256(name.encode()).hexdigest(), 16) % HASHED
        while slot in used:
            slot = NUMBERED + (slot - NUMBERED + 1) % HASHED
        slots[name] = slot
        used.add(slot)
    return {name: slots[name] for name in names}


def policy_name(rule: str, direction: str) -> str:
    """`netorch-RULE-DIRECTION`; past 35 characters, the rule's name cut short and a
    hash of it added.

    >>> policy_name("rule-1", "out")
    'netorch-rule-1-out'
    >>> policy_name("same-org-hertfordshire-constabulary", "transit")
    'netorch-same-org-her-074269-transit'
    """
    full = f"{PREFIX}{rule}-{direction}"
    if len(full) <= NAME_MAX:
        return full
    digest = hashlib.sha256(rule.encode()).hexdigest()[:6]
    room = NAME_MAX - len(PREFIX) - len(direction) - len(digest) - 2
    return f"{PREFIX}{rule[:room].rstrip('-')}-{digest}-{direction}"


def _unique(name: str, policy_id: int, taken: set[str]) -> str:
    """`name`, or (taken already: two cut names alike) one made of the policy's ID."""
    if name in taken:
        name = f"{PREFIX}policy-{policy_id}"
    taken.add(name)
    return name


def default_action(view: Node) -> str:
    """The action this device gives a policy without `set action`.

    FortiOS `show` prints a setting only where it differs from its default, so an
    action the device prints is not its default. A FortiGate's default is deny (FortiOS
    7.4.6 CLI Reference, config firewall policy, "action"; a FortiGate-VM 6.4.4 `show`
    prints its accept policies' `set action accept` and its deny policy without the
    line: tests/realworld/fortinet_fortios/lv-fortios-fw-policy.cfg), the Container
    FortiOS 7.2.2 CLI Reference gives accept. So: deny, unless the device prints deny
    and never accept (a build whose default is accept).

    >>> shown = lambda *a: Node(tables={TABLE: Node(entries={
    ...     str(i): Node(settings={"action": x} if x else {}) for i, x in enumerate(a)})})
    >>> default_action(shown("accept", "")), default_action(shown("deny", ""))
    ('deny', 'accept')
    >>> default_action(shown()), default_action(shown("accept", "deny"))
    ('deny', 'deny')
    """
    shown = {p.settings.get("action") for p in view.tables.get(TABLE, Node()).entries.values()}
    return "accept" if "deny" in shown and "accept" not in shown else "deny"


def zones(entry: Node, key: str) -> frozenset[str]:
    """netorch's zones a policy's `srcintf` / `dstintf` matches ("any": both).

    >>> sorted(zones(Node(settings={"srcintf": '"any"'}), "srcintf"))
    ['netorch-lan', 'netorch-vpn']
    >>> zones(Node(settings={"dstintf": '"port1" "netorch-vpn"'}), "dstintf")
    frozenset({'netorch-vpn'})
    """
    names = entry.words(key)
    return ZONES if "any" in names else ZONES & frozenset(names)


def shadowing(view: Node, intended: Node, order: list[str]) -> list[Conflict]:
    """The operator's policies that may accept traffic one of netorch's deny policies
    refuses, placed above that deny policy in `order` (the policy list once the
    commands ran): FortiOS would accept what no rule allows.

    A policy may accept unless it says (or defaults to) deny or is disabled (`set
    status disable`). netorch never moves the operator's policy, nor its own above it:
    that would also put netorch's accepts above the operator's deny policies in
    between, overriding them. Nothing is sent until the operator narrows, refuses or
    moves it."""
    # lazy: render imports this module (policy IDs); `names` loads deploy's stack
    from netorch.platforms.fortinet_fortios.names import reserved_id  # noqa: PLC0415 - lazy: see above
    want = intended.tables.get(TABLE, Node()).entries
    denies = {n: (zones(e, "srcintf"), zones(e, "dstintf")) for n, e in want.items()
              if e.words("action") == ["deny"] and n in order}
    if not denies:
        return []
    default = default_action(view)
    rank = {name: i for i, name in enumerate(order)}
    last = max(denies, key=rank.__getitem__)
    out = []
    for name, entry in view.tables.get(TABLE, Node()).entries.items():
        action = (entry.words("action") or [default])[0]
        if reserved_id(name) or name not in rank or action == "deny" or \
                entry.words("status") == ["disable"]:
            continue
        src, dst = zones(entry, "srcintf"), zones(entry, "dstintf")
        if any(rank[name] < rank[deny] and s & src and d & dst
               for deny, (s, d) in denies.items()):
            out.append(_shadow(name, entry, action, last))
    return out


def _shadow(name: str, entry: Node, action: str, last: str) -> Conflict:
    # lazy: render imports this module (policy IDs), and must not load deploy's stack
    from netorch.deploy.change import Conflict  # noqa: PLC0415 - lazy: see above

    where = f"srcintf {' '.join(entry.words('srcintf'))}, dstintf " \
            f"{' '.join(entry.words('dstintf'))}"
    return Conflict(
        f"config {TABLE} > edit {name}",
        f"the operator's policy {name} ({action}, {where}) is above netorch's deny "
        f"policies and would {action} traffic between {' and '.join(sorted(ZONES))} that "
        "no rule of the segmentation policy allows (FortiOS matches policies top down)",
        f"narrow its srcintf / dstintf to interfaces outside netorch's zones (not "
        f"\"any\"), set it to deny or disable it, or move it below netorch's policies "
        f"(`config {TABLE}` > `move {name} after {last}`, once netorch's are on the "
        "device)")
