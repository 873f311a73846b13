"""Cisco IOS-XE: the VPN/routing sections netorch owns, diffed with hier_config.

netorch's rendered `config.ios` is not a whole device config, so the diff is scoped:
a top-level section is managed when the rendered file has it, or when it is one netorch
creates, named as the templates name it (IKEv2 and IPsec objects, `TunnelN` interfaces,
BGP, the `site-NAME` / `fabric-all` prefix lists, the per-tunnel `TunnelN-IN` /
`TunnelN-OUT` route maps, and static routes named `TunnelN` or `netorch-SITE`), so a
tunnel or site removed from the plan is removed from the device. Everything else on
the box (management interface, users, logging, the operator's own prefix lists, route
maps and routes) is never touched. PKI trustpoints are managed only while rendered:
removing one would delete its enrolled certificates.

IOS shows a keyring's pre-shared key encrypted once `password encryption aes` is on
(`pre-shared-key local 6 <cipher>`; type 7 with `service password-encryption`): such
a key counts as the rendered one while present, and is sent again only with
`rotate_keys`; `managed` masks key values.
"""

from __future__ import annotations

import re

from hier_config import Host

from netorch.deploy.configs import Change, unified

OWNED = re.compile(r"^(crypto ikev2 (proposal|policy|keyring|profile) |crypto ipsec (profile|"
                   r"transform-set) |interface Tunnel\d+$|router bgp |"
                   r"ip prefix-list (site-\S+|fabric-all) |route-map Tunnel\d+-(IN|OUT) |"
                   r"ip route .* name (Tunnel\d+|netorch-\S+)$|bfd-template )")
_NOISE = {"", "!", "exit-address-family"}  # separators; IOS adds exit-address-family itself
_KEY = re.compile(r"^(?P<head>\s*pre-shared-key(?: local| remote)?) (?:(?P<type>[067]) )?"
                  r"(?P<value>\S.*)$")
MASK = "<secret>"
_SKIP = re.compile(r"^(Building configuration|Current configuration|version |end$|!)")


def sections(text: str) -> list[list[str]]:
    """Top-level sections (header line + indented children) of an IOS config."""
    out: list[list[str]] = []
    for raw in text.splitlines():
        line = raw.rstrip()
        if line.strip() in _NOISE or (_SKIP.match(line) and not line.startswith(" ")):
            continue
        if line.startswith(" ") and out:
            out[-1].append(line)
        elif not line.startswith(" "):
            out.append([line])
    return out


def _managed(running: str, intended: str) -> list[list[str]]:
    wanted = {s[0] for s in sections(intended)}
    return [s for s in sections(running) if s[0] in wanted or OWNED.match(s[0])]


def mask(line: str, placeholder: str = MASK) -> str:
    """A config line with its key value (and encryption type) replaced.

    >>> mask("  pre-shared-key local 6 FBd^ZgGg")
    '  pre-shared-key local <secret>'
    """
    m = _KEY.match(line)
    return f"{m['head']} {placeholder}" if m else line


def managed(running: str, intended: str = "") -> str:
    """The managed sections of `running`, in device order, key values masked."""
    return "".join(mask(line) + "\n" for section in _managed(running, intended)
                   for line in section)


def _keys_as_rendered(current: list[list[str]], intended: list[list[str]],
                      rotate_keys: bool) -> str:
    """`current` with each key the device shows encrypted replaced by the rendered line
    it stands for (equal: nothing to send), or, when rotating, left out (sent again)."""
    rendered: dict[tuple[str, ...], str] = {}
    for section in intended:
        for path, line in _paths(section):
            rendered[path] = line
    out: list[str] = []
    for section in current:
        for path, line in _paths(section):
            m = _KEY.match(line)
            if m and m["type"] in ("6", "7") and path in rendered:
                if rotate_keys:
                    continue
                line = rendered[path]
            out.append(line)
    return "".join(line + "\n" for line in out)


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


def _canonical(text: str) -> str:
    return "".join(line + "\n" for section in sections(text) for line in section)


def plan_change(running: str, intended: str, *, rotate_keys: bool = False) -> Change:
    current = _keys_as_rendered(_managed(running, intended), sections(intended), rotate_keys)
    host = Host("device", "ios")
    host.load_running_config(current)
    host.load_generated_config(_canonical(intended))
    remediation = host.remediation_config_filtered_text(set(), set())
    lines = [line.rstrip() for line in remediation.splitlines()
             if line.strip() and line.strip() not in _NOISE]
    commands = with_exits(dependents_first(lines))
    if not commands:
        return Change()
    return Change(unified(current, _canonical(intended), "config.ios"), commands)


# A top-level `no` is sent after the removal of whatever refers to it: the tunnel
# interface uses the IPsec profile, which uses the IKEv2 profile, which uses the keyring.
_REMOVE_ORDER = ("no interface Tunnel", "no crypto ipsec profile ", "no crypto ikev2 profile ",
                 "no crypto ikev2 keyring ", "no crypto ikev2 policy ",
                 "no crypto ikev2 proposal ", "no crypto ipsec transform-set ")


def dependents_first(lines: list[str]) -> list[str]:
    """The remediation with top-level removals of referenced objects reordered so a
    referring object always goes first (IOS refuses to remove an object in use).

    >>> dependents_first(["no crypto ipsec profile T3", "no interface Tunnel3", "ip x"])
    ['no interface Tunnel3', 'no crypto ipsec profile T3', 'ip x']
    """
    def rank(line: str) -> int:
        return next((i for i, p in enumerate(_REMOVE_ORDER) if line.startswith(p)),
                    len(_REMOVE_ORDER))

    removals = sorted((ln for ln in lines if rank(ln) < len(_REMOVE_ORDER)), key=rank)
    rest = iter(removals)
    return [next(rest) if rank(ln) < len(_REMOVE_ORDER) else ln for ln in lines]


def with_exits(lines: list[str]) -> list[str]:
    """Indented remediation lines as typed: an `exit` for each level left, no indent.

    Explicit exits keep a `no ...` line meant for global config from being taken by
    the sub-mode the previous section left open. The caller drops hier_config's own
    `exit-address-family`: counted as a level here, it would take one `exit` too many
    and leave configuration mode (the lines after it then land in exec mode).

    >>> with_exits(["router bgp 1", "  address-family ipv4", "    network 10.0.0.0", "no x"])
    ['router bgp 1', 'address-family ipv4', 'network 10.0.0.0', 'exit', 'exit', 'no x']
    """
    levels = [(len(line) - len(line.lstrip(" "))) // 2 for line in lines]
    out: list[str] = []
    depth = 0
    for index, line in enumerate(lines):
        out += ["exit"] * max(0, depth - levels[index])
        opens = index + 1 < len(lines) and levels[index + 1] > levels[index]
        depth = levels[index] + 1 if opens else levels[index]
        out.append(line.strip())
    return out
