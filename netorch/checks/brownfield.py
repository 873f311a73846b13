"""Brownfield settings: each is one the device's platform understands, in its naming."""

from __future__ import annotations

import re
from collections.abc import Iterator

from netorch.checks.context import Context
from netorch.findings import Finding, error, warning
from netorch.platforms import OPTION_FIELDS, registry


def supported_options(ctx: Context) -> Iterator[Finding]:
    """An error at each brownfield setting the device's platform does not use (it would
    silently do nothing), and at a loopback or tunnel offset outside its naming."""
    platforms = registry()
    for path, _site, device in ctx.devices():
        platform = platforms.get(device.platform)
        if platform is None:
            continue
        for name in OPTION_FIELDS:
            if getattr(device, name) is not None and name not in platform.device_options:
                yield error("device-option", f"{platform.name} has no '{name}' setting: "
                            f"remove it", ctx.at(*path, name, key=True))
        for index, link in enumerate(device.links):
            if link.zone is not None and "link_zone" not in platform.device_options:
                yield error("device-option", f"{platform.name} has no per-link 'zone' "
                            "setting: remove it", ctx.at(*path, "links", index, "zone", key=True))
        loopback = device.loopback_interface
        if (loopback is not None and "loopback_interface" in platform.device_options
                and not re.fullmatch(platform.loopback_pattern, loopback)):
            yield error("device-option", f"'{loopback}' is not a {platform.name} loopback "
                        f"interface, e.g. {platform.loopback_interface}",
                        ctx.at(*path, "loopback_interface"))
        if loopback is not None and loopback in {link.interface for link in device.links}:
            yield error("device-option", f"'{loopback}' is an underlay interface of this "
                        "device: netorch's loopback needs an interface of its own",
                        ctx.at(*path, "loopback_interface"))
        offset = device.tunnel_offset
        if offset is not None and offset > platform.tunnel_max:
            yield error("device-option", f"tunnel_offset {offset} is above {platform.name}'s "
                        f"highest tunnel number {platform.tunnel_max}",
                        ctx.at(*path, "tunnel_offset"))


def shared_asn(ctx: Context) -> Iterator[Finding]:
    """A warning at each device `asn:` that another site's device also uses: eBGP
    between them would see its own ASN in the path and drop the other's routes."""
    base = ctx.fabric.routing.asn_base
    sites_of: dict[int, set[str]] = {}
    for _path, site, device in ctx.devices():
        asn = device.asn if device.asn is not None else base + site.id
        sites_of.setdefault(asn, set()).add(site.name)
    for path, site, device in ctx.devices():
        others = sorted(sites_of.get(device.asn, set()) - {site.name}) if device.asn else []
        if others:
            yield warning("shared-asn", f"ASN {device.asn} is also used at {', '.join(others)}: "
                          "routes between them are dropped as AS-path loops; join that "
                          "BGP process only where its ASN is unique in the fabric",
                          ctx.at(*path, "asn"))


RULES = (supported_options, shared_asn)
