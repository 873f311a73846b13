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


def managed(running: str, intended: str = "") -> str:
    """The managed sections of `running`, in device order."""
    wanted = {s[0] for s in sections(intended)}
    keep = [s for s in sections(running) if s[0] in wanted or OWNED.match(s[0])]
    return "".join(line + "\n" for section in keep for line in section)


def _canonical(text: str) -> str:
    return "".join(line + "\n" for section in sections(text) for line in section)


def plan_change(running: str, intended: str) -> Change:
    current = managed(running, intended)
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
