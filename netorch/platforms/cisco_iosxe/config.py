"""Cisco IOS-XE: the objects netorch named, diffed with hier_config; BGP line by line.

Ownership is by name (`PREFIX`, `MARKER`: the plugin's `owned`, which the templates
read as `owned.prefix` and `owned.marker`; tests/deploy/test_brownfield_ios.py proves
every rendered object is classified as netorch's here):

- named objects: `crypto ikev2 proposal|policy|keyring|profile`, `crypto ipsec
  profile|transform-set`, `ip prefix-list`, `route-map` and `ip route ... name` whose
  name starts with `netorch-`; a stale one (its tunnel or site left the plan) is removed;
- the segmentation policy's firewall (`zbf`): object-groups, extended ACLs, inspect
  class-maps and policy-maps, zones and zone-pairs named `netorch-...`, and the default
  zone while its description carries the marker (an operator's default zone is used as
  it is, never changed or removed); IOS's ACL sequence numbers and port names are read
  back as netorch renders them; inside netorch's object-groups new entries are sent
  before old ones are removed, as IOS refuses to empty a group an ACL uses
  (`ios_order.additions_first`);
- interfaces: netorch's tunnels (`Tunnel<offset+index>`) and its loopback
  (`device.loopback_interface`, default Loopback1000) carry a description starting with
  `netorch:`; only a marked interface is netorch's. One the plan needs that exists
  without the marker is the operator's: a conflict (`tunnel_offset:` /
  `loopback_interface:`);
- inside `router bgp N` (shared with the operator): the neighbours netorch renders, and
  stale ones recognised by `neighbor X description netorch:...`; the `network`s it
  renders, and stale ones recognised by netorch's own anchor route for the prefix (`ip
  route ... name netorch-...`) or a marked interface's address; the lines of both at
  process level and in the global `address-family ipv4` only (VRF and other families
  are the operator's). A rendered `network` the operator already had is shared: netorch
  sends no anchor for it and never removes it. Other rendered lines (`bgp router-id`,
  `bgp log-neighbor-changes`, `no bgp default ipv4-unicast`, the address-family header)
  are added when missing, never removed. Another `router bgp M` is a conflict (`asn:
  M`), and so is another `bgp router-id X` (`router_id: X`); an operator neighbour on an
  address netorch peers with is one too. The operator's neighbours, networks, address
  families, timers stay.
- static routes: IOS keys them by prefix, mask and next hop; an operator route with the
  key of a rendered one is a conflict, except a LAN anchor, which is then not sent
  (`netorch.platforms.cisco_iosxe.routes`).
- a PKI trustpoint and `crypto ikev2 nat keepalive` are managed only while rendered
  (removing a trustpoint would delete its enrolled certificates); so is netorch's
  `crypto pki certificate chain`, diffed certificate by certificate
  (`netorch.platforms.cisco_iosxe.pki`) and sent last. An operator's trustpoints and
  chains (any name netorch does not render) are never read, changed or removed, and
  netorch never removes a trustpoint, its own included.

Removals are sent last, referrers first (`ios_order.REMOVE_ORDER`): BGP neighbours,
then tunnel interfaces, zone-pairs, zones, inspect policy-maps and class-maps, ACLs,
object-groups, IPsec profiles, IKEv2 profiles, keyrings, policies, proposals,
transform-sets, route-maps, prefix-lists, routes. Then, in config mode, `do clear ip bgp
X soft in` for each existing netorch neighbour whose inbound policy changed
(`ios_refresh`). IOS shows a keyring's pre-shared key
encrypted (type 6 with `password encryption aes`, 7 with `service
password-encryption`): it counts as the rendered key while present and is sent again
only with `rotate_keys`; `managed` and `lines` mask key values.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from hier_config import Host

from netorch.deploy.change import Change, Conflict, unified
from netorch.platforms.cisco_iosxe import PLATFORM, bgp, pki, refresh, routes, zbf
from netorch.platforms.cisco_iosxe.order import ordered, with_exits

PREFIX = PLATFORM.owned["prefix"]  # every object netorch names
MARKER = PLATFORM.owned["marker"]  # netorch's interface and neighbour descriptions
_N = re.escape(PREFIX) + r"\S+"
NAMED = re.compile(rf"^(crypto ikev2 (proposal|policy|keyring|profile) {_N}$|crypto ipsec "
                   rf"profile {_N}$|crypto ipsec transform-set {_N} |ip prefix-list {_N} |"
                   rf"route-map {_N} |ip route .* name {_N}$|{zbf.NAMED})")
_NOISE = {"", "!", "exit-address-family"}  # separators; IOS adds exit-address-family itself
_KEY = re.compile(r"^(?P<head>\s*pre-shared-key(?: local| remote)?) (?:(?P<type>[067]) )?"
                  r"(?P<value>\S.*)$")
MASK = "<secret>"
_SKIP = re.compile(r"^(Building configuration|Current configuration|end$|!)")
_BANNER = re.compile(r"^banner \S+ (\^C|\S)")


def _logical(text: str) -> Iterator[tuple[int, str]]:
    """(indent, line) of each config line, banner text as lines indented below its header.

    >>> list(_logical("banner motd ^C\\nHi\\n^C\\n!\\nhostname r"))
    [(0, 'banner motd ^C'), (1, 'Hi'), (1, '^C'), (0, 'hostname r')]
    """
    delimiter = header = ""
    for raw in text.splitlines():
        line = raw.rstrip()
        if delimiter:
            yield 1, line
            delimiter = "" if delimiter in line else delimiter
            continue
        indent = len(line) - len(line.lstrip(" "))  # IOS indents `\tquit` with a tab too
        if line.strip() in _NOISE or (indent == 0 and _SKIP.match(line)):
            continue
        header = header if indent else line
        yield indent, zbf.as_rendered(header, line) if indent else line
        if m := _BANNER.match(line):
            delimiter = "" if m[1] in line[m.end():] else m[1]


def sections(text: str) -> list[list[str]]:
    """Top-level sections (header line + indented children) of an IOS config."""
    out: list[list[str]] = []
    for indent, line in _logical(text):
        if indent and out:
            out[-1].append(line if line.startswith(" ") else " " + line)
        elif not indent:
            out.append([line])
    return out


def lines(text: str) -> list[str]:
    """Every line as its full path (parents joined by " > "), key values masked.

    >>> lines("router bgp 1\\n neighbor 10.0.0.1 remote-as 2\\n address-family ipv4\\n"
    ...       "  network 10.1.0.0\\n exit-address-family\\n!\\nend")
    ['router bgp 1', 'router bgp 1 > neighbor 10.0.0.1 remote-as 2', \
'router bgp 1 > address-family ipv4', 'router bgp 1 > address-family ipv4 > network 10.1.0.0']
    """
    out: list[str] = []
    stack: list[tuple[int, str]] = []
    for indent, line in _logical(text):
        while stack and stack[-1][0] >= indent:
            stack.pop()
        out.append(" > ".join([*(t for _, t in stack), mask(line.strip())]))
        stack.append((indent, line.strip()))
    return out


def mask(line: str, placeholder: str = MASK) -> str:
    """A config line with its key value (and encryption type) replaced.

    >>> mask("  pre-shared-key local 6 FBd^ZgGg")
    '  pre-shared-key local <secret>'
    """
    m = _KEY.match(line)
    return f"{m['head']} {placeholder}" if m else line


def marked(section: list[str]) -> bool:
    """Whether a section is an interface carrying netorch's description marker."""
    return section[0].startswith("interface ") and any(
        line.strip().startswith(f"description {MARKER}") for line in section[1:])


def owned(section: list[str], rendered: set[str]) -> bool:
    """Whether a running top-level section (not BGP) is netorch's.

    >>> owned(["route-map netorch-Tunnel1000-IN permit 10"], set())
    True
    >>> owned(["interface Tunnel1"], {"interface Tunnel1"}), owned(["route-map RM permit 1"], set())
    (False, False)
    """
    head = section[0]
    if head.startswith("interface "):
        return marked(section)
    if head == zbf.DEFAULT_ZONE:
        return zbf.owned_default_zone(section)
    return bool(NAMED.match(head)) or (head in rendered and not head.startswith("router bgp "))


def _want(have: list[list[str]], intended: str) -> tuple[list[list[str]], list[Conflict]]:
    """What netorch sends to a device with `have`: the rendered config fitted beside the
    operator's BGP process and routes, and the route conflicts found doing so."""
    want = bgp.yielding(have, bgp.joining(have, sections(intended)))
    if any(s[0] == zbf.DEFAULT_ZONE and not zbf.owned_default_zone(s) for s in have):
        want = [s for s in want if s[0] != zbf.DEFAULT_ZONE]  # the operator's serves
    process = bgp.parse(bgp.find(have))
    theirs = set(process.networks() if process else ()) - bgp_owned_networks(have)
    return routes.fit(have, want, theirs)


def _managed(running: list[list[str]], intended: list[list[str]]) -> list[list[str]]:
    """netorch's part of `running`: its own sections, then its view of `router bgp`."""
    rendered = {s[0] for s in intended}
    mine = [s for s in running if owned(s, rendered)]
    view = bgp.view(bgp.find(running), bgp.find(intended), bgp_owned_networks(running))
    return mine + ([view] if view else [])


def bgp_owned_networks(running: list[list[str]]) -> set[tuple[str, str]]:
    """Prefixes whose `network` statement is netorch's even when no longer rendered: those
    netorch anchors with a named Null0 route, and its marked interfaces' addresses."""
    out = routes.anchored(running)
    for section in filter(marked, running):
        out |= {(w[2], w[3]) for line in section[1:]
                if len(w := line.split()) == 4 and w[:2] == ["ip", "address"]}
    return out


def managed(running: str, intended: str = "") -> str:
    """netorch's part of `running`, in device order, key values masked."""
    have = sections(running)
    return "".join(mask(line) + "\n" for section in _managed(have, _want(have, intended)[0])
                   for line in section)


def _keys_as_rendered(current: list[list[str]], intended: list[list[str]],
                      rotate_keys: bool) -> list[list[str]]:
    """`current` with each key the device shows encrypted replaced by the rendered line
    it stands for (equal: nothing to send), or, when rotating, left out (sent again)."""
    rendered = {path: line for section in intended for path, line in _paths(section)}
    out: list[list[str]] = []
    for section in current:
        kept: list[str] = []
        for path, line in _paths(section):
            m = _KEY.match(line)
            if m and m["type"] in ("6", "7") and path in rendered:
                if rotate_keys:
                    continue
                line = rendered[path]
            kept.append(line)
        out.append(kept)
    return out


def _paths(section: list[str]) -> list[tuple[tuple[str, ...], str]]:
    """Each line with its parents (and, for a key, its masked form) as a path."""
    stack: list[tuple[int, str]] = []
    out = []
    for line in section:
        depth = len(line) - len(line.lstrip(" "))
        while stack and stack[-1][0] >= depth:
            stack.pop()
        out.append(((*(t for _, t in stack), mask(line).strip()), line))
        stack.append((depth, line.strip()))
    return out


def _text(parts: list[list[str]]) -> str:
    return "".join(line + "\n" for section in parts for line in section)


def plan_change(running: str, intended: str, *, rotate_keys: bool = False) -> Change:
    """What to send to make netorch's part of `running` what `intended` renders."""
    have = sections(running)
    want, clashes = _want(have, intended)
    current = _keys_as_rendered(_managed(have, want), want, rotate_keys)
    host = Host("device", "ios")
    host.load_running_config(_text([s for s in current if not _apart(s)]))
    host.load_generated_config(_text([s for s in want if not _apart(s)]))
    remediation = [line.rstrip() for line in
                   host.remediation_config_filtered_text(set(), set()).splitlines()
                   if line.strip() and line.strip() not in _NOISE]
    routing = bgp.commands(bgp.find(current), bgp.find(want))
    chain = pki.commands(_chain(current), _chain(want))
    commands = with_exits(ordered(remediation, routing, {s[0] for s in want}),
                          close=bool(chain)) + chain
    commands += refresh.resets(have, current, want) if commands else []
    found = (*clashes, *conflicts(have, want))
    if not commands and not found:
        return Change()
    return Change(unified(_text(_in_order(current, want)), _text(want), "config.ios"), commands,
                  found)


def _apart(section: list[str]) -> bool:
    """Sections diffed outside hier_config: `router bgp` (shared with the operator) and
    the certificate chain (its hex lines are data)."""
    return section[0].startswith("router bgp ") or pki.is_chain(section)


def _chain(parts: list[list[str]]) -> list[str] | None:
    return next((s for s in parts if pki.is_chain(s)), None)


def _in_order(current: list[list[str]], want: list[list[str]]) -> list[list[str]]:
    """`current` in the rendered order (the device's order is the order they were added
    in), so the diff shows what changed, not what moved."""
    index = {s[0]: i for i, s in enumerate(want)}
    return sorted(current, key=lambda s: index.get(s[0], len(index)))


def conflicts(have: list[list[str]], want: list[list[str]]) -> tuple[Conflict, ...]:
    """What in `have` netorch would have to overwrite to apply `want`: refused."""
    running = {s[0]: s for s in have}
    found = [_interface_conflict(running[s[0]], have) for s in want
             if s[0].startswith("interface ") and s[0] in running and not marked(running[s[0]])]
    return (*found, *bgp.conflicts(bgp.find(have), bgp.find(want)))


def _interface_conflict(section: list[str], have: list[list[str]]) -> Conflict:
    name = section[0].split()[1]
    kind = re.sub(r"\d+$", "", name)
    # the first thousand (from 1000) with no interface of this kind: one always is free
    used = {int(s[0][len("interface " + kind):]) // 1000 for s in have
            if re.fullmatch(rf"interface {kind}\d+", s[0])}
    free = 1000 * next(n for n in range(1, len(used) + 2) if n not in used)
    if kind == "Tunnel":
        resolve = f"set `tunnel_offset: {free}` on the device (netorch numbers its tunnels " \
                  "from it)"
    else:
        resolve = f"set `loopback_interface: {kind}{free}` on the device"
    return Conflict(section[0], f"{name} is the operator's (its description does not start "
                                f"with '{MARKER}')", resolve)
