"""Hubs, underlays and platforms: can every site reach the sites it must?"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePosixPath

from netorch.checks.context import Context
from netorch.findings import Finding, error, warning
from netorch.inventory.errors import did_you_mean
from netorch.inventory.loader import SITE_SUFFIXES, site_file_of
from netorch.inventory.model import Site
from netorch.platforms import known_platforms
from netorch.topology import hub_names, underlays_of, unreachable_sites


def hubs(ctx: Context) -> Iterator[Finding]:
    topo = ctx.fabric.topology
    where = ("fabric", "topology")
    if topo.kind == "hub-and-spoke" and not topo.hubs:
        yield error("no-hubs", "a hub-and-spoke fabric needs at least one hub: "
                    "add 'hubs: [SITE, ...]'", ctx.at(*where, "kind"))
    if topo.kind == "full-mesh" and topo.hubs:
        yield warning("hubs-ignored", "hubs are ignored in a full-mesh fabric",
                      ctx.at(*where, "hubs"))
    names = sorted(s.name for s in ctx.inventory.sites)
    seen: set[str] = set()
    for i, hub in enumerate(topo.hubs):
        if hub not in names:
            yield error("unknown-hub", f"hub '{hub}' is not a site{did_you_mean(hub, names)}",
                        ctx.at(*where, "hubs", i))
        elif hub in seen:
            yield warning("duplicate-hub", f"hub '{hub}' is listed twice",
                          ctx.at(*where, "hubs", i))
        seen.add(hub)


def site_files(ctx: Context) -> Iterator[Finding]:
    """In the directory form each site is in the file named after it (`sites/NAME.yaml`):
    the file name is what reviewers and code owners see, so no agency's file can hold
    another's site, or a hub's name and with it every spoke's tunnels."""
    for i, site in enumerate(ctx.inventory.sites):
        file = site_file_of(ctx.inventory, i)
        if file is None:
            continue
        name = PurePosixPath(file).name
        if name not in (site.name + suffix for suffix in SITE_SUFFIXES):
            yield error("site-file-name", f"site '{site.name}' is in file {name}: a site "
                        f"file is named after its site; rename the file to {site.name}.yaml",
                        ctx.at("sites", i, "name"))


def declared_underlays(ctx: Context) -> Iterator[Finding]:
    declared = sorted(ctx.fabric.underlays)
    for ref in ctx.links():
        name = ref.link.underlay
        if name not in ctx.fabric.underlays:
            yield error("unknown-underlay", f"underlay '{name}' is not declared in the fabric"
                        f"{did_you_mean(name, declared)}; declared: {', '.join(declared)}",
                        ctx.at(*ref.path, "underlay"))


def platforms(ctx: Context) -> Iterator[Finding]:
    known = known_platforms()
    for path, _, device in ctx.devices():
        if device.platform not in known:
            yield error("unknown-platform", f"unknown platform '{device.platform}'"
                        f"{did_you_mean(device.platform, known)}; known platforms: "
                        f"{', '.join(known)}", ctx.at(*path, "platform"))


def _peers(ctx: Context, site: Site) -> int:
    """How many other sites `site` must reach (0: it is isolated by the topology)."""
    sites, kind = ctx.inventory.sites, ctx.fabric.topology.kind
    hubs = hub_names(ctx.inventory)
    if kind == "full-mesh" or site.name in hubs:
        return len(sites) - 1
    others = [s for s in sites if s is not site]
    if kind == "hub-and-spoke":
        return sum(s.name in hubs for s in others)
    return sum(s.region == site.region or s.name in hubs for s in others)


def reachability(ctx: Context) -> Iterator[Finding]:
    """Each site shares an underlay with some site it must reach.

    Skipped while a link names an undeclared underlay: that is reported already, and
    judging reachability on a misspelt underlay would only echo it at other sites.
    """
    if any(ref.link.underlay not in ctx.fabric.underlays for ref in ctx.links()):
        return
    kind = ctx.fabric.topology.kind
    peers = {"hub-and-spoke": "any hub", "regional": "any site of its region or hub",
             "full-mesh": "any other site"}[kind]
    for i in unreachable_sites(ctx.inventory):
        site = ctx.inventory.sites[i]
        if _peers(ctx, site) == 0:
            yield error("isolated-site", f"site {site.name} has no site to reach: it is the "
                        f"only site of region {site.region} and the fabric has no hubs",
                        ctx.at("sites", i, "region"))
            continue
        have = ", ".join(sorted(underlays_of(site))) or "none"
        yield error("no-common-underlay", f"site {site.name} shares no underlay with {peers} "
                    f"it must reach (its underlays: {have})", ctx.at("sites", i, "name"))


RULES = (hubs, site_files, declared_underlays, platforms, reachability)
