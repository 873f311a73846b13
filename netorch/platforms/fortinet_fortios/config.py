"""Fortinet FortiOS: `config` / `edit` / `set` trees, diffed entry by entry, by name.

Ownership (one rule per table, `fortios_names.TABLES`; the templates spell the same
names and marker in templates/fortinet_fortios/_names.j2, and a test renders every
object and checks this module classifies it as netorch's). The marker is exact: a
comment or description that starts with `netorch: ` (`MARKER`, colon and space);
"netorch lab", "netorch-era" or "netorchestration" are the operator's words.

- `vpn ipsec phase1-interface` / `phase2-interface`: `ntN` entries with the marker in
  `comments`; `router route-map`: `ntN-in` / `ntN-out` with it; `router prefix-list`:
  `site-SITE` / `fabric-*` with it;
- `firewall address` / `firewall addrgrp` / `firewall service custom`: names starting
  `netorch-` with the marker in `comment` (the segmentation policy's addresses, groups
  and services among them); `system zone`: names starting `netorch-`;
- `firewall policy` / `router static`: IDs of `RESERVED_IDS` (one there without the
  marker is the operator's: a conflict). FortiOS matches policies in list order, a new
  one at the end: netorch keeps its own in the rendered order with `move` (`_moves`),
  never moving the operator's;
- `vpn certificate ca` / `crl` / `local`: names starting `netorch-` (the fabric's CA, its
  CRL, the device's own certificate and key, from `netorch pki`); merged, so what FortiOS
  adds (`last-updated`, `range`, the password it keeps a key under) stays. The operator's
  certificates (`Fortinet_Factory`, an enterprise CA) are never touched;
- `system interface`: only loopbacks (`set type loopback`) and `ntN` tunnel interfaces
  (`set type tunnel`) with the marker in `description`; the rendered entries (the
  device's `loopback_interface`, its tunnels' addresses) are merged: settings netorch
  does not render stay. Only a loopback is ever deleted (a stale netorch loopback); a
  tunnel's interface goes with its phase1; a physical, VLAN, aggregate or any other
  interface is never netorch's, whatever its description;
- `router bgp` is shared (`fortios_bgp`): netorch sets `as` and `router-id` (only where
  unset or equal) and owns only its neighbours (the marker and its `ntN-in` /
  `ntN-out` route-maps) and its networks (reserved IDs with a prefix netorch
  announces); every other line is the operator's.

Conflicts (nothing is sent): BGP already running as another AS (resolve `asn:`) or
with another router-id (`router_id:`); an entry with netorch's name that is not netorch's
(loopback: `loopback_interface:`; tunnel objects: `tunnel_offset:`, with a value past the
operator's highest ntN); a BGP network at a reserved ID with a prefix netorch does not
announce, a static route or policy at one without the marker (renumber it); a `vdom:`
the device does not have, or `vdom:` other than root on a device not in VDOM mode; an
operator's policy that may accept traffic between netorch's zones above netorch's deny
policies (`policy.shadowing`: it would let through what no rule allows).

Read-back: `show` prints a setting only where it differs from its default, and spells
a prefix-list's 0.0.0.0/0 `any`; netorch's own entries are compared in the spelling
netorch renders (`_as_rendered`), so a re-deploy sends nothing however the device
shows them.

VDOMs: when the running config is in VDOM mode, netorch works inside one VDOM, the one
the rendered loopback names (`set vdom`, from the device's `vdom:`, default root), plus
`config global` > `system interface` for its own interfaces (FortiOS keeps interfaces
global in VDOM mode and assigns each to a VDOM with `set vdom`). Commands are sent
wrapped: `config global` ... `end`, `config vdom` / `edit VDOM` ... `end`.

Removals run in dependency order (`DELETE_ORDER`, referrers first). Last, outside any
`config` block, `execute router clear bgp ip X soft in` for each existing netorch
neighbour whose inbound policy changed (`_resets`). FortiOS shows a key
encrypted (`set psksecret ENC <base64>`, a certificate's `set private-key "-----BEGIN
ENCRYPTED PRIVATE KEY-----...`): while the device has one it counts as the rendered key
and is sent again only with `rotate_keys` or a new certificate; `managed`, `lines` and
the diff mask keys (a PEM key whole, every line of it).
"""

from __future__ import annotations

import bisect
from dataclasses import replace

from netorch.deploy.change import Change, ConfigParseError, unified
from netorch.keys import REDACTED
from netorch.platforms.fortinet_fortios import bgp, names, policy
from netorch.platforms.fortinet_fortios.parse import parse
from netorch.platforms.fortinet_fortios.tree import Node, quote, render, split

RESERVED_IDS = names.RESERVED_IDS
SECRETS = frozenset({"psksecret", "psksecret-remote", "password", "passwd", "private-key",
                     "passphrase"})
MASK = "<secret>"
PEM_KEYS = frozenset({"private-key"})  # masked as deploy's scrubber masks a key
ORDERED = "firewall policy"  # matched in list order: netorch keeps its own in order
# settings FortiOS gives an entry itself, which `show` prints: a policy's, address's or
# address group's `uuid` ("automatically assigned", FortiOS CLI Reference, config
# firewall policy / address / addrgrp). Never unset as "not rendered".
GENERATED = frozenset({"uuid"})
DELETE_ORDER = ("firewall policy", "firewall service custom", "router static", "router bgp",
                "router route-map", "router prefix-list", "system zone",
                "vpn ipsec phase2-interface", "vpn ipsec phase1-interface", "system interface",
                "user peer", "vpn certificate local", "vpn certificate crl",
                "vpn certificate ca", "firewall addrgrp", "firewall address")
# How FortiOS shows a local certificate's key once imported: encrypted under a password
# of its own (`set password ENC ...`), never as typed.
ENCRYPTED_KEY = '"-----BEGIN ENCRYPTED PRIVATE KEY-----'
KEY_PAIR = frozenset({"password", "private-key", "certificate"})  # sent together
# what a netorch zone without `intrazone` does: "Allow or deny traffic routing between
# different interfaces in the same zone (default = deny)" (FortiOS 6.4.5 CLI Reference,
# config system zone)
ZONE_DEFAULTS = {"intrazone": "deny"}
# how `show` prints a prefix-list rule's 0.0.0.0/0 (real `show router prefix-list`
# outputs: `set prefix any`), and how netorch writes it (templates/fortinet_fortios)
ANY_PREFIX, ZERO_PREFIX = ["any"], "0.0.0.0 0.0.0.0"

__all__ = ["RESERVED_IDS", "ConfigParseError", "Node", "lines", "managed", "mask", "parse",
           "plan_change"]


def _scope(view: Node, intended: Node, *, restore: bool = False) -> Node:
    """The part of a flat view netorch owns, in intended order (to restore: with the
    password FortiOS keeps a certificate's key under, which goes back with the key),
    each entry as netorch renders it (`_as_rendered`)."""
    scoped, owners = Node(), bgp.owners(view, intended)
    defaults = {"firewall policy": {"action": policy.default_action(view)},
                "system zone": ZONE_DEFAULTS}
    for path in [*intended.tables, *(p for p in view.tables if p not in intended.tables)]:
        table, want = view.tables.get(path), intended.tables.get(path, Node())
        if table is None or (path not in names.TABLES and path != "router bgp"):
            continue
        part = _bgp(table, want, owners) if path == "router bgp" else \
            _entries(table, want, path, restore)
        part.entries = {n: _as_rendered(path, e, defaults.get(path, {}))
                        for n, e in part.entries.items()}
        if part.entries or part.tables or part.settings:
            scoped.tables[path] = part
    return scoped


def _as_rendered(path: str, entry: Node, defaults: dict[str, str]) -> Node:
    """An owned entry read back, in netorch's spelling: a setting `show` leaves out at
    its default (`defaults`: a policy's `action`, a zone's `intrazone`) filled in, a
    prefix-list rule's `set prefix any` as the 0.0.0.0 0.0.0.0 netorch writes for it.
    A copy: the view stays as the device shows it.

    >>> _as_rendered("firewall policy", Node(), {"action": "deny"}).settings
    {'action': 'deny'}
    >>> rule = Node(settings={"prefix": "any", "le": "32"})
    >>> shown = Node(tables={"rule": Node(entries={"1": rule})})
    >>> _as_rendered("router prefix-list", shown, {}).tables["rule"].entries["1"].settings
    {'prefix': '0.0.0.0 0.0.0.0', 'le': '32'}
    """
    missing = {k: v for k, v in defaults.items() if k not in entry.settings}
    if missing:
        entry = replace(entry, settings={**entry.settings, **missing})
    rules = entry.tables.get("rule") if path == "router prefix-list" else None
    if rules is not None and any(r.words("prefix") == ANY_PREFIX
                                 for r in rules.entries.values()):
        fixed = {n: replace(r, settings={**r.settings, "prefix": ZERO_PREFIX})
                 if r.words("prefix") == ANY_PREFIX else r for n, r in rules.entries.items()}
        entry = replace(entry, tables={**entry.tables, "rule": replace(rules, entries=fixed)})
    return entry


def _entries(table: Node, want: Node, path: str, restore: bool = False) -> Node:
    """The owned entries of a table; of a merged one, only the settings netorch renders."""
    rule, out = names.TABLES[path], Node()
    for name, entry in table.entries.items():
        wanted = want.entries.get(name)
        if wanted is not None and not rule.replace:
            keys = set(wanted.settings) | (KEY_PAIR if restore and "private-key" in
                                           wanted.settings else set())
            kept = {k: v for k, v in entry.settings.items() if k in keys}
            out.entries[name] = Node(settings=kept, shown=entry.shown)
        elif wanted is not None or rule.owns(name, entry):
            out.entries[name] = entry
    return out


def _bgp(table: Node, want: Node, owners: dict[str, bgp.Owns]) -> Node:
    """netorch's lines of the shared `router bgp`: the settings it renders, its
    neighbours and its networks."""
    part = Node(settings={k: v for k, v in table.settings.items() if k in want.settings})
    for path, owns in owners.items():
        wanted = want.tables.get(path, Node()).entries
        entries = {k: v for k, v in table.tables.get(path, Node()).entries.items()
                   if k in wanted or owns(k, v)}
        if entries:
            part.tables[path] = Node(entries=entries)
    return part


def managed(running: str, intended: str = "") -> str:
    """netorch's part of `running`, canonical, keys masked (in the device's layout)."""
    tree, want = parse(running), parse(intended)
    where = names.where(tree, want)
    if names.vdom_conflict(tree, where):
        return ""
    return _text(names.wrap(_scope(names.view(tree, where), want), where))


def _text(node: Node, placeholder: str = MASK) -> str:
    """Rendered, keys masked, without comments and `unset` lines (nothing to compare)."""
    return "".join(mask(line, placeholder) + "\n" for line in render(node)
                   if not line.lstrip().startswith(("#", "unset ")))


def mask(line: str, placeholder: str = MASK) -> str:
    """A rendered line with its key value replaced.

    >>> mask("        set psksecret ENC AbC==")
    '        set psksecret <secret>'
    >>> mask('set private-key "-----BEGIN PRIVATE KEY-----\\nMIGHAgEA\\n-----END PRIVATE KEY-----"')
    'set private-key <redacted>'
    """
    words = line.split(None, 2)
    if len(words) == 3 and words[0] == "set" and words[1] in SECRETS:
        # a PEM key: the word deploy's scrubber shows for a key (it would take the word
        # "secret" in a placeholder for a key's label: `set private-key <secret<redacted>`)
        shown = REDACTED if words[1] in PEM_KEYS else placeholder
        return f"{line[:len(line) - len(line.lstrip())]}set {words[1]} {shown}"
    return line


def lines(text: str) -> list[str]:
    """Every line of a config (but `next` / `end`) as one path, keys masked; in VDOM mode
    under `vdom NAME` or `global`.

    >>> lines('config router bgp\\n    set as 65010\\n    config neighbor\\n'
    ...       '        edit "192.0.2.1"\\n            set remote-as 65020\\n'
    ...       '        next\\n    end\\nend\\n')[-3:]
    ['config router bgp > config neighbor', \
'config router bgp > config neighbor > edit "192.0.2.1"', \
'config router bgp > config neighbor > edit "192.0.2.1" > set remote-as 65020']
    """
    out: list[str] = []
    _walk(parse(text), "", out, top=True)
    return out


def _walk(node: Node, path: str, out: list[str], top: bool = False) -> None:
    for key, value in node.settings.items():
        first, *more = mask(f"set {key} {value}").split("\n")
        out += [path + first, *(f"{path}set {key} (line {n}) {text}"
                                for n, text in enumerate(more, start=2))]
    out += [f"{path}unset {k}" for k in sorted(node.unsets - set(node.settings))]
    for key, table in node.tables.items():
        if top and key == "vdom":
            children = [(f"vdom {name}", entry) for name, entry in table.entries.items()]
        else:
            children = [("global" if top and key == "global" else f"{path}config {key}", table)]
        for line, child in children:
            out.append(line)
            _walk(child, line + " > ", out)
    for name, entry in node.entries.items():
        out.append(f"{path}edit {entry.shown or quote(name)}")
        _walk(entry, out[-1] + " > ", out)


def _differs(key: str, have: str | None, want: str, rotate_keys: bool) -> bool:
    """Whether a setting must be sent: a key the device shows encrypted stands for the
    rendered plain one (it cannot be compared) unless keys are being rotated."""
    if key in SECRETS and have is not None and rotate_keys:
        return True
    if key in SECRETS and have is not None and have.startswith("ENC "):
        return want.startswith("ENC ") and have != want
    if key == "private-key" and have is not None and have.startswith(ENCRYPTED_KEY):
        return False
    return have is None or split(have) != split(want)


def _settings(have: Node, want: Node, rotate_keys: bool) -> list[str]:
    """The `set` commands of one node. A local certificate's settings go together: a new
    certificate (a renewal, a new key) is sent with its key, and the key after `unset
    password` (the password FortiOS keeps the key it replaces under; a restore sends the
    saved password back with the saved key)."""
    changed = {k for k, v in want.settings.items()
               if _differs(k, have.settings.get(k), v, rotate_keys)}
    if "private-key" in want.settings and changed & KEY_PAIR:
        changed |= KEY_PAIR & set(want.settings)
    out = ["unset password"] if "private-key" in changed and have.settings else []
    return out + [f"set {k} {v}" for k, v in want.settings.items() if k in changed]


def plan_change(running: str, intended: str, *, restore_from: str | None = None,
                rotate_keys: bool = False) -> Change:
    """The commands that turn `running` into `intended` (or, with `restore_from`, back
    into that saved config, within the same scope: every owned table then replaced),
    and the conflicts that forbid sending them."""
    tree, full = parse(running), parse(intended)
    where = names.where(tree, full)
    refused = names.vdom_conflict(tree, where)
    if refused is not None:
        return Change(conflicts=(refused,))
    view = names.view(tree, where)
    have = _scope(view, full)
    want = full if restore_from is None else _scope(names.view(parse(restore_from), where),
                                                    full, restore=True)
    blocks = _blocks(have, want, restore_from is not None, rotate_keys)
    blocks += _removals(have, want, restore_from is not None, _released(view, have, want))
    conflicts = () if restore_from is not None else \
        (*names.conflicts(view, full), *bgp.conflicts(view, full),
         *policy.shadowing(view, full, _policy_order(view, have, full)))
    if not blocks:
        return Change(conflicts=conflicts)
    new = "<new secret>" if rotate_keys else MASK
    diff = unified(_text(have), _text(want, new), "config.fortios")
    resets = [] if restore_from is not None else _resets(view, have, want)
    return Change(diff, _wrapped(blocks, where) + _in_vdom(resets, where), conflicts)


def _neighbours(node: Node) -> dict[str, Node]:
    return node.tables.get("router bgp", Node()).tables.get("neighbor", Node()).entries


def _resets(view: Node, have: Node, want: Node) -> list[str]:
    """`execute router clear bgp ip X soft in` for each existing netorch neighbour whose
    inbound policy the commands change: its `route-map-in`, that route-map's rules or a
    prefix-list they match. FortiOS, like IOS, applies a new inbound policy only to
    routes received after it; a new neighbour needs none, the operator's never get one."""
    running, old = _neighbours(view), _neighbours(have)
    out = []
    for name, entry in _neighbours(want).items():
        if name not in running or not bgp.neighbour(name, running[name]):
            continue
        maps = entry.words("route-map-in")
        rules = want.tables.get("router route-map", Node()).entries.get(
            maps[0] if maps else "", Node()).tables.get("rule", Node()).entries.values()
        policy = [("router route-map", m) for m in maps[:1]] + [
            ("router prefix-list", p) for rule in rules for p in rule.words("match-ip-address")]
        if old.get(name, Node()).words("route-map-in") != maps or any(
                _changed(have, want, path, n) for path, n in policy):
            out.append(f"execute router clear bgp ip {name} soft in")
    return out


def _changed(have: Node, want: Node, path: str, name: str) -> bool:
    """Whether the commands change entry `name` of `path` (its comments aside)."""
    new = want.tables.get(path, Node()).entries.get(name)
    old = have.tables.get(path, Node()).entries.get(name)
    if new is None or old is None:
        return new is not None
    body = _changes(old, new, names.TABLES[path].replace, False)
    return any(not line.startswith("set comments ") for line in body)


def _in_vdom(commands: list[str], where: names.Where) -> list[str]:
    """Exec commands as sent: outside any `config` block, inside the VDOM in VDOM mode."""
    if not commands or not where.vdom_mode:
        return commands
    return ["config vdom", f"edit {where.vdom}", *commands, "end"]


Block = tuple[str, list[str]]  # (table, commands inside its `config` block)


def _blocks(have: Node, want: Node, restore: bool, rotate_keys: bool) -> list[Block]:
    out: list[Block] = []
    for path, table in want.tables.items():
        old = have.tables.get(path, Node())
        replace = restore or (path in names.TABLES and names.TABLES[path].replace)
        inner = replace or path == "router bgp"
        body = _changes(old, table, replace, rotate_keys, inner)
        body += _moves(old, table) if path == ORDERED else []
        out += [(path, body)] if body else []
    return out


def _moves(have: Node, want: Node) -> list[str]:
    """`move` commands that put netorch's entries of an ordered table in the rendered
    order. FortiOS matches firewall policies top down in list order and puts a new one
    at the end; `move ID before|after ID` reorders (Fortinet KB 197353). Only netorch's
    own entries move, as few as can: the longest run already in order stays, each other
    goes after its rendered predecessor (the first, before the first that stays). The
    operator's never move.

    >>> have = Node(entries={"11": Node(), "12": Node(), "5": Node()})
    >>> _moves(have, Node(entries={"5": Node(), "11": Node(), "12": Node(), "6": Node()}))
    ['move 5 before 11']
    >>> _moves(have, Node(entries={"11": Node(), "6": Node(), "12": Node(), "5": Node()}))
    ['move 6 after 11']
    """
    wanted = list(want.entries)
    rank = {name: i for i, name in enumerate(wanted)}
    order = [n for n in have.entries if n in rank]
    present = set(order)
    order += [n for n in wanted if n not in present]  # new ones go to the end
    stay = _in_order([rank[n] for n in order])
    first = min(stay, default=0)
    return [f"move {quote(name)} after {quote(wanted[i - 1])}" if i else
            f"move {quote(name)} before {quote(wanted[first])}"
            for i, name in enumerate(wanted) if i not in stay]


def _policy_order(view: Node, have: Node, want: Node) -> list[str]:
    """The device's policy list once the commands ran: netorch's stale policies
    deleted, its new ones appended (FortiOS puts a new policy at the end), then its
    `move`s.

    >>> view = Node(tables={ORDERED: Node(entries={"7": Node(), "12": Node(), "11": Node()})})
    >>> have = Node(tables={ORDERED: Node(entries={"12": Node(), "11": Node()})})
    >>> want = Node(tables={ORDERED: Node(entries={"11": Node(), "12": Node(), "13": Node()})})
    >>> _policy_order(view, have, want)
    ['7', '11', '12', '13']
    """
    table, old = view.tables.get(ORDERED, Node()), have.tables.get(ORDERED, Node())
    wanted = want.tables.get(ORDERED, Node())
    order = [n for n in table.entries if n in wanted.entries or n not in old.entries]
    order += [n for n in wanted.entries if n not in table.entries]
    for command in _moves(old, wanted):
        _, name, where, other = command.split()
        order.remove(name)
        order.insert(order.index(other) + (where == "after"), name)
    return order


def _in_order(ranks: list[int]) -> set[int]:
    """The longest increasing run (not necessarily contiguous) of `ranks`, distinct
    values (patience sorting, O(n log n)).

    >>> sorted(_in_order([0, 1, 4, 2, 3]))
    [0, 1, 2, 3]
    """
    tails: list[int] = []  # tails[k]: index in `ranks` ending the best run of length k+1
    before: dict[int, int] = {}
    for i, value in enumerate(ranks):
        k = bisect.bisect_left(tails, value, key=ranks.__getitem__)
        if k:
            before[i] = tails[k - 1]
        tails[k:k + 1] = [i]
    run, at = set(), tails[-1] if tails else None
    while at is not None:
        run.add(ranks[at])
        at = before.get(at)
    return run


def _changes(have: Node, want: Node, replace: bool, rotate_keys: bool,
             inner: bool | None = None) -> list[str]:
    inner = replace if inner is None else inner
    out = _settings(have, want, rotate_keys)
    out += [f"unset {k}" for k in have.settings if k in want.unsets or
            (replace and k not in want.settings and k not in GENERATED)]
    for path, table in want.tables.items():
        old = have.tables.get(path, Node())
        body = _changes(old, table, inner, rotate_keys) + (_deletions(old, table)
                                                           if inner else [])
        out += [f"config {path}", *body, "end"] if body else []
    for path in [p for p in have.tables if inner and p not in want.tables]:
        body = _clear(have.tables[path])  # e.g. a restore to before netorch's neighbours
        out += [f"config {path}", *body, "end"] if body else []
    for name, entry in want.entries.items():
        body = _changes(have.entries.get(name, Node()), entry, replace, rotate_keys)
        fresh = name not in have.entries
        out += [f"edit {quote(name)}", *body, "next"] if body or fresh else []
    return out


def _released(view: Node, have: Node, want: Node) -> list[str]:
    """`unset ca` in each user peer that names a CA certificate of netorch's about to be
    deleted and that the commands do not point elsewhere: FortiOS refuses to delete an
    object still named, and netorch never deletes a peer (its name is the far
    device's), so the peer stays, as it was before netorch named its CA."""
    table = "vpn certificate ca"
    gone = set(have.tables.get(table, Node()).entries) - set(want.tables.get(table, Node())
                                                            .entries)
    wanted = want.tables.get("user peer", Node()).entries
    return [line for name, peer in view.tables.get("user peer", Node()).entries.items()
            if name not in wanted and set(peer.words("ca")) & gone
            for line in (f"edit {quote(name)}", "unset ca", "next")]


def _removals(have: Node, want: Node, restore: bool, released: list[str]) -> list[Block]:
    """Deletions of owned entries no longer wanted, referrers first (`released`: the
    user peers' lines that let go of a CA certificate being deleted)."""
    order = [p for p in DELETE_ORDER if p in have.tables or (p == "user peer" and released)]
    order += [p for p in have.tables if p not in DELETE_ORDER] if restore else []
    out: list[Block] = []
    for path in order:
        table, wanted = have.tables.get(path, Node()), want.tables.get(path)
        body = _clear(table) if wanted is None else _deletions(table, wanted)
        body = released + body if path == "user peer" else body
        keep = {f"delete {quote(n)}" for n, e in table.entries.items()  # a tunnel's goes
                if e.words("type") != ["loopback"]} if path == "system interface" else set()
        body = [c for c in body if c not in keep]
        out += [(path, body)] if body else []
    return out


def _deletions(have: Node, want: Node) -> list[str]:
    return [f"delete {quote(name)}" for name in have.entries if name not in want.entries]


def _clear(have: Node) -> list[str]:
    """Commands that empty a table netorch owns but no longer wants at all."""
    out = [f"unset {k}" for k in have.settings]
    for path, table in have.tables.items():
        body = _clear(table)
        out += [f"config {path}", *body, "end"] if body else []
    return out + _deletions(have, Node())


def _wrapped(blocks: list[Block], where: names.Where) -> list[str]:
    """The commands to send: each block in its `config` path, and in VDOM mode inside
    `config global` or `config vdom` / `edit VDOM` (consecutive ones share one)."""
    out: list[str] = []
    context = None
    for path, body in blocks:
        wanted = None if not where.vdom_mode else "global" if path in names.GLOBAL else "vdom"
        if wanted != context and context is not None:
            out.append("end")
        if wanted != context and wanted is not None:
            out += ["config global"] if wanted == "global" else ["config vdom",
                                                                  f"edit {where.vdom}"]
        context = wanted
        out += [f"config {path}", *body, "end"]
    return out + (["end"] if context is not None else [])

