"""Prefixes that must not overlap, and links whose addressing cannot work."""

from __future__ import annotations

from collections.abc import Iterator
from ipaddress import IPv4Network

from netorch.checks.context import Context, PathKey
from netorch.findings import Finding, error


def _lans(ctx: Context) -> list[tuple[IPv4Network, str, PathKey]]:
    return [(net, site.name, (*path, "lan", k))
            for path, site in ctx.sites() for k, net in enumerate(site.lan)]


def lan_overlaps(ctx: Context) -> Iterator[Finding]:
    """Sweep the LANs in address order: O(n log n) even for 10,000 sites."""
    lans = sorted(_lans(ctx), key=lambda x: (int(x[0].network_address), -x[0].num_addresses))
    widest: tuple[IPv4Network, str, PathKey] | None = None
    for lan in lans:
        net, site, path = lan
        if widest and int(net.network_address) <= int(widest[0].broadcast_address):
            other, other_site, other_path = widest
            whose = "another LAN of this site" if other_site == site else f"site {other_site}"
            other_at = ctx.at(*other_path)
            yield error("lan-overlap", f"LAN {net} overlaps {other} of {whose} (at {other_at})",
                        ctx.at(*path), other_at)
        if widest is None or net.broadcast_address > widest[0].broadcast_address:
            widest = lan


def lan_in_pools(ctx: Context) -> Iterator[Finding]:
    pools = ctx.fabric.pools
    named = (("tunnels", pools.tunnels), ("loopbacks", pools.loopbacks))
    for net, _, path in _lans(ctx):
        for name, pool in named:
            if net.overlaps(pool):
                yield error("lan-overlaps-pool", f"LAN {net} overlaps the {name} pool {pool}",
                            ctx.at(*path))


def pools_apart(ctx: Context) -> Iterator[Finding]:
    pools = ctx.fabric.pools
    if pools.tunnels.overlaps(pools.loopbacks):
        yield error("pool-overlap", f"the loopbacks pool {pools.loopbacks} overlaps the "
                    f"tunnels pool {pools.tunnels}", ctx.at("fabric", "pools", "loopbacks"))


def link_next_hop(ctx: Context) -> Iterator[Finding]:
    for ref in ctx.links():
        subnet, hop = ref.link.address.network, ref.link.next_hop
        if subnet.prefixlen == 32:
            continue  # PPP, cellular: the peer is outside the negotiated /32
        if hop not in subnet:
            yield error("next-hop-outside", f"next hop {hop} is outside the link's subnet "
                        f"{subnet}", ctx.at(*ref.path, "next_hop"))
        elif hop == ref.link.address.ip:
            yield error("next-hop-self", f"next hop {hop} is the link's own address",
                        ctx.at(*ref.path, "next_hop"))


def underlay_in_pools(ctx: Context) -> Iterator[Finding]:
    """A link's subnet, next hop or public address inside the tunnel or loopback pool:
    peers would route that fabric address out of the underlay, in cleartext."""
    pools = ctx.fabric.pools
    named = (("tunnels", pools.tunnels), ("loopbacks", pools.loopbacks))
    for ref in ctx.links():
        for name, pool in named:
            if ref.link.address.network.overlaps(pool):
                yield error("link-overlaps-pool", f"link subnet {ref.link.address.network} "
                            f"overlaps the {name} pool {pool}", ctx.at(*ref.path, "address"))
            hops = (("next_hop", "next hop", ref.link.next_hop),
                    ("public", "public address", ref.link.public))
            for key, what, ip in hops:
                if ip is not None and ip in pool:
                    yield error("link-overlaps-pool", f"{what} {ip} is inside the {name} "
                                f"pool {pool}", ctx.at(*ref.path, key))


def lan_too_wide(ctx: Context) -> Iterator[Finding]:
    """Every peer routes a site's LANs to it: a /5 would draw an eighth of the internet."""
    shortest = ctx.fabric.lan_min_prefixlen
    for net, site, path in _lans(ctx):
        if net.prefixlen < shortest:
            yield error("lan-too-wide", f"LAN {net} of site {site} is wider than /{shortest} "
                        "(fabric.lan_min_prefixlen): every peer would send this site its "
                        "traffic for the whole range", ctx.at(*path))


RULES = (lan_overlaps, lan_in_pools, pools_apart, link_next_hop, underlay_in_pools,
         lan_too_wide)
