"""Addresses that would steer other sites' traffic.

Every peer of a site installs a route for each of its tunnel endpoints (through its
own underlay, in cleartext) and for each of its LANs (through the tunnels). So an
endpoint (a link's address, next hop or public address) inside some LAN takes that
LAN's traffic out of the tunnels; a LAN holding an endpoint or a management address
draws it into the fabric, to that site; and a special range (loopback, multicast, ...)
is never a real endpoint or LAN. Each conflict is reported at both of its places, each
naming the other: which side is the mistake, only the sites' owners can say.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from ipaddress import IPv4Address, IPv4Network
from typing import NamedTuple
from weakref import WeakKeyDictionary

from netorch.checks.context import Context, PathKey
from netorch.findings import Finding, error, warning
from netorch.inventory.model import mgmt_endpoint

THIS_NETWORK = IPv4Network("0.0.0.0/8")
# The ranges no endpoint or LAN may use, as blocks a LAN is held against;
# `special_address` finds the same ranges for one address with ipaddress's properties
# (tests/checks/test_checks_steering.py proves the two agree).
SPECIAL_RANGES = (
    (THIS_NETWORK, "'this network' (RFC 1122)"),
    (IPv4Network("127.0.0.0/8"), "loopback"),
    (IPv4Network("169.254.0.0/16"), "link-local"),
    (IPv4Network("224.0.0.0/4"), "multicast"),
    (IPv4Network("240.0.0.0/4"), "reserved (with the broadcast address)"),
)


def special_address(ip: IPv4Address) -> str | None:
    """What kind of special address `ip` is (None: an ordinary one).

    >>> special_address(IPv4Address("127.0.0.1")), special_address(IPv4Address("192.0.2.1"))
    ('loopback', None)
    """
    checks = ((ip in THIS_NETWORK or ip.is_unspecified, 0), (ip.is_loopback, 1),
              (ip.is_link_local, 2), (ip.is_multicast, 3), (ip.is_reserved, 4))
    return next((SPECIAL_RANGES[i][1] for hit, i in checks if hit), None)


UNDERLAY, NEXT_HOP, PUBLIC, MGMT = ("underlay address", "next hop", "public address",
                                   "management address")


class Endpoint(NamedTuple):
    """An address a device uses: what it is, whose it is and where it is written."""

    ip: IPv4Address
    what: str
    device: str
    path: PathKey
    natted: bool = False

    @property
    def routed(self) -> bool:
        """Whether peers route to this address: a public address, or an underlay address
        with no NAT in front of it (a NAT'd one is private to its site; a next hop is
        never a peer's destination)."""
        return self.what == PUBLIC or (self.what == UNDERLAY and not self.natted)

    @property
    def device_path(self) -> PathKey:
        """("sites", i, "devices", j): the device this address belongs to."""
        return self.path[:4]


class Lan(NamedTuple):
    net: IPv4Network
    site: str
    path: PathKey


def _link_endpoints(ctx: Context) -> Iterator[Endpoint]:
    for ref in ctx.links():
        fields = (("address", UNDERLAY, ref.link.address.ip),
                  ("next_hop", NEXT_HOP, ref.link.next_hop), ("public", PUBLIC, ref.link.public))
        for key, what, ip in fields:
            if ip is not None:
                yield Endpoint(ip, what, ref.device.name, (*ref.path, key),
                               natted=ref.link.public is not None)


def _mgmt_endpoints(ctx: Context) -> Iterator[Endpoint]:
    for path, _, device in ctx.devices():
        host = mgmt_endpoint(device.mgmt).host
        if isinstance(host, IPv4Address):
            yield Endpoint(host, MGMT, device.name, (*path, "mgmt"))


class LanIndex:
    """Every LAN by prefix length: the LANs holding an address in O(lengths), not O(LANs)."""

    def __init__(self, ctx: Context) -> None:
        self.by_length: dict[int, dict[int, Lan]] = defaultdict(dict)
        for path, site in ctx.sites():
            for k, net in enumerate(site.lan):
                self.by_length[net.prefixlen].setdefault(
                    int(net.network_address), Lan(net, site.name, (*path, "lan", k)))
        self.lengths = sorted(self.by_length, reverse=True)

    def holding(self, ip: IPv4Address) -> Iterator[Lan]:
        """The LANs holding `ip`, most specific first."""
        for length in self.lengths:
            mask = (0xFFFFFFFF << (32 - length)) & 0xFFFFFFFF
            lan = self.by_length[length].get(int(ip) & mask)
            if lan is not None:
                yield lan


class Addresses(NamedTuple):
    """What the rules below share, gathered once per check run (10,000 sites: 60,000
    endpoints)."""

    links: list[Endpoint]
    mgmt: list[Endpoint]
    lans: LanIndex


_GATHERED: WeakKeyDictionary[Context, Addresses] = WeakKeyDictionary()


def addresses(ctx: Context) -> Addresses:
    if ctx not in _GATHERED:
        _GATHERED[ctx] = Addresses(list(_link_endpoints(ctx)), list(_mgmt_endpoints(ctx)),
                                   LanIndex(ctx))
    return _GATHERED[ctx]


def _whose(ctx: Context, lan: Lan) -> str:
    return f"LAN {lan.net} of site {lan.site} (at {ctx.at(*lan.path)})"


def link_in_lan(ctx: Context) -> Iterator[Finding]:
    """A tunnel endpoint (public address, or underlay address without NAT) inside another
    site's LAN: peers' /32 route to it would take that LAN host's traffic out of the
    tunnels. Inside its own site's LAN (a VPN gateway in the site's DMZ) it is a warning:
    should the /32 be withdrawn, the endpoint would be sought through the tunnels."""
    gathered = addresses(ctx)
    for end in gathered.links:
        lan = next(gathered.lans.holding(end.ip), None) if end.routed else None
        if lan is None:
            continue
        if _own(end, lan):
            yield warning("link-in-own-lan", f"{end.what} {end.ip} is inside its own site's "
                          f"{_whose(ctx, lan)}: peers reach it by a /32 over the underlay; "
                          "keep that route, or the endpoint is sought through the tunnels",
                          ctx.at(*end.path), ctx.at(*lan.path))
        else:
            yield error("link-in-lan", f"{end.what} {end.ip} is inside {_whose(ctx, lan)}: "
                        "the route to this tunnel endpoint would take that LAN's traffic "
                        "out of the tunnels", ctx.at(*end.path), ctx.at(*lan.path))


def private_in_lan(ctx: Context) -> Iterator[Finding]:
    """A NAT'd link's private address inside another site's LAN: peers never route to it,
    but this device cannot reach that part of the LAN (its connected route wins)."""
    gathered = addresses(ctx)
    for end in gathered.links:
        if end.what != UNDERLAY or not end.natted:
            continue
        lan = next((x for x in gathered.lans.holding(end.ip) if not _own(end, x)), None)
        if lan is not None:
            yield warning("private-in-lan", f"{end.what} {end.ip} (behind NAT) is inside "
                          f"{_whose(ctx, lan)}: device {end.device} cannot reach that part "
                          "of the LAN", ctx.at(*end.path), ctx.at(*lan.path))


def _own(end: Endpoint, lan: Lan) -> bool:
    return end.path[:2] == lan.path[:2]


def lan_holds_address(ctx: Context) -> Iterator[Finding]:
    """A LAN holding another site's tunnel endpoint: one finding per LAN, naming the first
    such address and how many more there are."""
    gathered = addresses(ctx)
    held: dict[Lan, list[Endpoint]] = defaultdict(list)
    for end in gathered.links:
        for lan in gathered.lans.holding(end.ip) if end.routed else ():
            if not _own(end, lan):
                held[lan].append(end)
    for lan, (first, *rest) in held.items():
        more = len(rest)
        others = f" and {more} more device address{'es' if more > 1 else ''}" if more else ""
        first_at = ctx.at(*first.path)
        yield error("lan-holds-address", f"LAN {lan.net} of site {lan.site} holds the "
                    f"{first.what} {first.ip} of device {first.device} (at {first_at})"
                    f"{others}: every peer would route {'them' if more else 'it'} into the "
                    "fabric, to this site", ctx.at(*lan.path), first_at)


def lan_holds_mgmt(ctx: Context) -> Iterator[Finding]:
    """Another site's device managed through an address of this site's LAN (a console
    server, a jump host): legitimate, but deploy then depends on that site. A warning."""
    gathered = addresses(ctx)
    for end in gathered.mgmt:
        for lan in gathered.lans.holding(end.ip):
            if not _own(end, lan):
                yield warning("lan-holds-mgmt", f"LAN {lan.net} of site {lan.site} holds "
                              f"the management address {end.ip} of device {end.device} (at "
                              f"{ctx.at(*end.path)}): deploying to it goes through that site",
                              ctx.at(*lan.path), ctx.at(*end.path))
                break


def link_special(ctx: Context) -> Iterator[Finding]:
    for end in addresses(ctx).links:
        kind = special_address(end.ip)
        if kind is not None:
            yield error("link-special-address", f"{end.what} {end.ip} is a {kind} address, "
                        "not one a tunnel endpoint can use", ctx.at(*end.path))


def lan_special(ctx: Context) -> Iterator[Finding]:
    for path, site in ctx.sites():
        for k, net in enumerate(site.lan):
            for block, kind in SPECIAL_RANGES:
                if net.overlaps(block):
                    yield error("lan-special-range", f"LAN {net} overlaps the {kind} range "
                                f"{block}: no site may route it", ctx.at(*path, "lan", k))


RULES = (link_in_lan, lan_holds_address, lan_holds_mgmt, private_in_lan, link_special,
         lan_special)
