"""Names, ids and addresses that must be unique; site ids and ASNs in range."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator
from ipaddress import IPv4Address

from netorch.checks.context import Context, PathKey
from netorch.checks.steering import PUBLIC, UNDERLAY, Endpoint, addresses
from netorch.findings import Finding, error
from netorch.inventory.model import mgmt_endpoint

MAX_SITE_ID = 65535
MAX_ASN = 4294967294
# RFC 7300 / 5398 / 6793: reserved, documentation and AS_TRANS numbers.
RESERVED_ASNS = ((0, 0), (23456, 23456), (64496, 64511), (65535, 65551))


def unique(ctx: Context, code: str, what: str,
           items: Iterable[tuple[Hashable, PathKey, str]]) -> Iterator[Finding]:
    """An error at every repeat of a value, naming who used it first and where.

    `items` are (value, path, owner): owner says whose value it is ("site hub").
    """
    first: dict[Hashable, tuple[PathKey, str]] = {}
    for value, path, owner in items:
        if value in first:
            where, who = first[value]
            first_at = ctx.at(*where)
            yield error(code, f"{what} {value} is already used by {who} (at {first_at})",
                        ctx.at(*path), first_at)
        else:
            first[value] = (path, owner)


def duplicate_sites(ctx: Context) -> Iterator[Finding]:
    yield from unique(ctx, "duplicate-site-name", "site name",
                      ((s.name, (*p, "name"), f"the site with id {s.id}")
                       for p, s in ctx.sites()))
    yield from unique(ctx, "duplicate-site-id", "site id",
                      ((s.id, (*p, "id"), f"site {s.name}") for p, s in ctx.sites()))


def duplicate_devices(ctx: Context) -> Iterator[Finding]:
    yield from unique(ctx, "duplicate-device-name", "device name",
                      ((d.name, (*p, "name"), f"a device of site {s.name}")
                       for p, s, d in ctx.devices()))
    # Canonical (address or lower-cased name, port): the model admits one text per
    # endpoint, so 192.0.2.2:22 and 192.0.2.2 are one device, as deploy would reach it.
    yield from unique(ctx, "duplicate-mgmt", "management address",
                      ((mgmt_endpoint(d.mgmt), (*p, "mgmt"), f"device {d.name}")
                       for p, _, d in ctx.devices()))


def duplicate_underlay_addresses(ctx: Context) -> Iterator[Finding]:
    yield from unique(ctx, "duplicate-underlay-address", "underlay address",
                      ((r.link.address.ip, (*r.path, "address"), f"device {r.device.name}")
                       for r in ctx.links() if not r.link.public))  # NAT'd: private
    yield from unique(ctx, "duplicate-public-address", "public address",
                      ((r.link.public, (*r.path, "public"), f"device {r.device.name}")
                       for r in ctx.links() if r.link.public))


_CODE = {UNDERLAY: "duplicate-underlay-address", PUBLIC: "duplicate-public-address"}


def underlay_public_clash(ctx: Context) -> Iterator[Finding]:
    """One device's underlay address is another's public address: peers would reach the
    wrong router. (A repeat within one kind is `duplicate_underlay_addresses`' to report.)"""
    first: dict[tuple[str, IPv4Address], Endpoint] = {}
    for end in addresses(ctx).links:
        if not end.routed:
            continue
        other = PUBLIC if end.what == UNDERLAY else UNDERLAY
        prior = first.get((other, end.ip))
        if prior is not None and prior.device_path != end.device_path:
            first_at = ctx.at(*prior.path)
            yield error(_CODE[end.what], f"{end.what} {end.ip} is already used by device "
                        f"{prior.device} as its {other} (at {first_at})", ctx.at(*end.path),
                        first_at)
        first.setdefault((end.what, end.ip), end)


def mgmt_is_other_device(ctx: Context) -> Iterator[Finding]:
    """A management address that is another device's underlay or public address: deploy
    would push this device's configuration to that router."""
    gathered = addresses(ctx)
    # another router's interface; a public address may be a NAT port-forward to this one
    owners = {end.ip: end for end in reversed(gathered.links)
              if end.what == UNDERLAY and end.routed}
    for mgmt in gathered.mgmt:
        owner = owners.get(mgmt.ip)
        if owner is not None and owner.device_path != mgmt.device_path:
            owner_at = ctx.at(*owner.path)
            yield error("mgmt-is-other-device", f"management address {mgmt.ip} is the "
                        f"{owner.what} of device {owner.device} (at {owner_at}): deploy "
                        "would reach that router", ctx.at(*mgmt.path), owner_at)


def one_link_per_underlay(ctx: Context) -> Iterator[Finding]:
    for path, _, device in ctx.devices():
        yield from unique(ctx, "duplicate-device-underlay", f"device {device.name}: underlay",
                          ((link.underlay, (*path, "links", k, "underlay"),
                            f"its link {k + 1} ({link.interface})")
                           for k, link in enumerate(device.links)))


def site_id_range(ctx: Context) -> Iterator[Finding]:
    base = ctx.fabric.routing.asn_base
    for path, site in ctx.sites():
        asn = base + site.id
        if not 1 <= site.id <= MAX_SITE_ID:
            yield error("site-id-range", f"site id {site.id} is out of range: "
                        f"use 1..{MAX_SITE_ID}", ctx.at(*path, "id"))
        elif asn > MAX_ASN:
            yield error("site-asn-range", f"site id {site.id} gives ASN {asn} "
                        f"(asn_base {base} + {site.id}), above the 32-bit maximum {MAX_ASN}",
                        ctx.at(*path, "id"))
        elif any(lo <= asn <= hi for lo, hi in RESERVED_ASNS):
            yield error("site-asn-reserved", f"site id {site.id} gives ASN {asn}, "
                        "which is reserved (RFC 5398/6793/7300)", ctx.at(*path, "id"))


RULES = (duplicate_sites, duplicate_devices, duplicate_underlay_addresses,
         underlay_public_clash, mgmt_is_other_device, one_link_per_underlay, site_id_range)
