"""Assemble the plan models from tunnel specs, allocations and the negotiated crypto."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Interface

from netorch.inventory.model import Device, EspProposal, IkeProposal, Inventory, Link, Site
from netorch.plan import routing
from netorch.plan.allocate import Allocations, Pool
from netorch.plan.hubpolicy import HubOrder
from netorch.plan.model import (
    DevicePlan,
    FabricPlan,
    FabricSummary,
    LinkPlan,
    Preference,
    PrefixSet,
    Proposal,
    SitePlan,
    Tunnel,
    TunnelEnd,
    ike_identity,
)
from netorch.plan.policy import compile_policy
from netorch.plan.proposals import negotiate
from netorch.plan.tunnels import Side, TunnelSpec, key_ref
from netorch.plan.values import shared_address, shared_network
from netorch.platforms import Platform, registry
from netorch.topology import hub_names

DPD_SECONDS = 10


class Builder:
    """Collects tunnels one by one, then emits the whole, sorted `FabricPlan`."""

    def __init__(self, inventory: Inventory, allocations: Allocations,
                 chosen: tuple[IkeProposal, EspProposal]) -> None:
        self.inventory = inventory
        self.fabric = inventory.fabric
        self.allocations = allocations
        self.ike, self.esp = chosen
        self.hubs = hub_names(inventory)
        self.hub_order = HubOrder.of(inventory, self.hubs)
        self.member_rank = {d.name: i for s in inventory.sites
                            for i, d in enumerate(sorted(s.devices, key=lambda d: d.name))}
        self.platforms = registry()
        ranked = sorted(self.fabric.underlays.items(), key=lambda kv: (kv[1].preference, kv[0]))
        self.rank = {name: i for i, (name, _) in enumerate(ranked)}
        self.tunnels: list[Tunnel] = []
        self.tunnel_pool = Pool.of("tunnels", self.fabric.pools.tunnels)
        loopback_pool = Pool.of("loopbacks", self.fabric.pools.loopbacks)
        self.loopbacks = {name: loopback_pool.interface(slot)
                          for name, slot in allocations.loopback_slots.items()}
        # One value per site, device and link, shared by every plan value that holds it
        # (a 10,000-site plan has ~160,000 tunnel ends on ~20,000 links).
        self.lans = {s.name: [shared_network(p) for p in s.lan] for s in inventory.sites}
        own_loopbacks = {name: shared_network(loopback.network)
                         for name, loopback in self.loopbacks.items()}
        self.prefix_sets = routing.prefix_sets(inventory, self.lans, own_loopbacks)
        self.policy = compile_policy(inventory, {
            s.name: [*self.lans[s.name], *(own_loopbacks[d.name] for d in s.devices
                                           if d.name in own_loopbacks)]
            for s in inventory.sites}, self.hubs)
        self.reach: dict[str, str] = {}
        if self.policy is not None:
            self.reach, reach = routing.reach_sets(self.policy.related, self.prefix_sets,
                                                   {s.name: s.id for s in inventory.sites})
            self.prefix_sets = sorted([*self.prefix_sets, *reach, routing.no_routes()],
                                      key=lambda s: s.name)
        self._filtered: dict[tuple[int, str], list[Preference]] = {}
        self.hub_site = {routing.site_set(h): h for h in self.hubs}
        self._proposals: dict[tuple[str, str], Proposal] = {}
        self._ike_ids: dict[str, str] = {}
        self._link_addresses: dict[int, tuple[IPv4Address, IPv4Address]] = {}

    def ike_id(self, device: str) -> str:
        found = self._ike_ids.get(device)
        if found is None:
            found = self._ike_ids[device] = ike_identity(device, self.fabric.name)
        return found

    def link_addresses(self, link: Link) -> tuple[IPv4Address, IPv4Address]:
        """(the link's own address, where peers reach it: its public address or its
        own), one pair per link, keyed by the inventory's link (it outlives the builder)."""
        found = self._link_addresses.get(id(link))
        if found is None:
            own = shared_address(link.address)
            endpoint = shared_address(link.public) if link.public else own
            found = self._link_addresses[id(link)] = (own, endpoint)
        return found

    def asn(self, site: Site) -> int:
        return self.fabric.routing.asn_base + site.id

    def device_asn(self, site: Site, device: Device) -> int:
        """The device's own `asn:` (it joins a BGP process it already runs), else the site's."""
        return device.asn if device.asn is not None else self.asn(site)

    def proposal(self, a: Platform, b: Platform) -> Proposal:
        key = (a.name, b.name)
        if key not in self._proposals:
            self._proposals[key] = negotiate(self.ike, self.esp, a, b)
        return self._proposals[key]

    def add_tunnel(self, spec: TunnelSpec) -> None:
        pa, pb = self.platforms[spec.a.device.platform], self.platforms[spec.b.device.platform]
        proposal = self.proposal(pa, pb)
        index = self.allocations.tunnel_slots[spec.id]
        ua, ub = spec.a.link.underlay, spec.b.link.underlay
        rank = max(self.rank.get(ua, 0), self.rank.get(ub, 0))
        auth = self.fabric.crypto.auth
        band = routing.local_preference(rank, spec.kind)
        self.tunnels.append(Tunnel.build(
            id=spec.id, index=index, kind=spec.kind, underlay=spec.underlay,
            preference=max(self._pref(ua), self._pref(ub)), rank=rank,
            local_preference=band, prepend=rank,
            nat_traversal=bool(spec.a.link.public or spec.b.link.public),
            bfd=pa.bfd and pb.bfd, dpd_seconds=DPD_SECONDS, auth=auth,
            key_ref=self.key_ref(spec) if auth == "psk" else None, proposal=proposal,
            a=self._end(spec.a, spec.b, pa, index, self.tunnel_pool.interface(index), band),
            b=self._end(spec.b, spec.a, pb, index, self.tunnel_pool.interface(index, 1), band),
        ))

    @staticmethod
    def key_ref(spec: TunnelSpec) -> str:
        """One PSK per device pair, shared by its tunnels over every underlay: IKE
        peers pick a PSK by the identity pair, which is the same on both underlays."""
        return key_ref(spec.a.device.name, spec.b.device.name)

    def _pref(self, underlay: str) -> int:
        known = self.fabric.underlays.get(underlay)
        return known.preference if known else 0

    def _end(self, side: Side, peer: Side, platform: Platform, index: int,
             address: IPv4Interface, band: int) -> TunnelEnd:
        link = side.link
        own_ip, endpoint = self.link_addresses(link)
        number = tunnel_offset(side.device, platform) + index
        accepts, advertises = self._filters(side, peer)
        local_preference, preferences = self._preferences(side, peer, band)
        return TunnelEnd.build(
            site=side.site.name, site_id=side.site.id, device=side.device.name,
            platform=platform.name, interface=platform.tunnel_name(number), number=number,
            address=address,
            underlay=link.underlay, underlay_interface=link.interface, underlay_address=own_ip,
            endpoint=endpoint, behind_nat=bool(link.public),
            ike_id=self.ike_id(side.device.name), asn=self.device_asn(side.site, side.device),
            accepts=accepts, advertises=advertises, local_preference=local_preference,
            preferences=preferences,
        )

    def _filters(self, side: Side, peer: Side) -> tuple[str, str]:
        """(what the end accepts, what it advertises). Under a policy, a hub sends a
        spoke only the prefixes of the spoke's flow partners, and the spoke takes only
        those; direct peers whose sites share no flow exchange nothing."""
        own, other = side.site.name, peer.site.name
        own_hub, peer_hub = own in self.hubs, other in self.hubs
        accepts = routing.accepts_from(other, peer_hub)
        advertises = routing.advertises(own, own_hub)
        if self.policy is None or (own_hub and peer_hub):
            return accepts, advertises
        if peer_hub:
            return self.reach[own], advertises
        if own_hub:
            return accepts, self.reach[other]
        if other in self.policy.related[own]:
            return accepts, advertises
        return routing.NO_ROUTES, routing.NO_ROUTES

    def _preferences(self, side: Side, peer: Side, band: int) -> tuple[int, list[Preference]]:
        """A spoke end facing a hub: the hub order's rules (every set they match is a
        site set inside the set the end accepts: under a policy, only the hub sites it
        may reach); any other end: the band less the member rank of the device it
        faces, plus `DIRECT` between two non-hubs."""
        peer_hub, own_hub = peer.site.name in self.hubs, side.site.name in self.hubs
        if peer_hub and not own_hub:
            catch_all, rules = self.hub_order.spoke_end(peer.device.name, band)
            if self.policy is None:
                return catch_all, rules
            partners = self.policy.related[side.site.name]
            key = (id(rules), self.reach[side.site.name])
            if key not in self._filtered:  # one rule per hub site: few
                self._filtered[key] = [p for p in rules if self.hub_site[p.match] in partners]
            return catch_all, self._filtered[key]
        direct = 0 if peer_hub or own_hub else routing.DIRECT
        return direct + routing.end_preference(band, self.member_rank[peer.device.name]), []

    def plan(self) -> FabricPlan:
        tunnels = sorted(self.tunnels, key=lambda t: t.index)
        by_device: dict[str, list[str]] = {}
        for t in tunnels:
            for end in t.ends():
                by_device.setdefault(end.device, []).append(t.id)
        sites = sorted(self.inventory.sites, key=lambda s: s.id)
        return FabricPlan(
            fabric=self._summary(), sites=[self._site(s) for s in sites],
            devices=[self._device(s, d, by_device.get(d.name, []))
                     for s in sites for d in sorted(s.devices, key=lambda d: d.name)],
            tunnels=tunnels, prefix_sets=self._used_sets(tunnels),
            policy=self.policy.plan if self.policy else None,
        )

    def _used_sets(self, tunnels: list[Tunnel]) -> list[PrefixSet]:
        if self.policy is None:
            return self.prefix_sets
        used = {routing.FABRIC_SET} | {n for t in tunnels for e in t.ends()
                                       for n in (e.accepts, e.advertises)}
        used |= {routing.site_set(s.name) for s in self.inventory.sites}
        return [s for s in self.prefix_sets if s.name in used]

    def _summary(self) -> FabricSummary:
        f = self.fabric
        return FabricSummary(
            name=f.name, topology=f.topology.kind, hubs=sorted(self.hubs),
            underlays={k: v.preference for k, v in sorted(f.underlays.items())},
            crypto_profile=f.crypto.profile, auth=f.crypto.auth,
            tunnel_pool=shared_network(f.pools.tunnels),
            loopback_pool=shared_network(f.pools.loopbacks),
            asn_base=f.routing.asn_base)

    def _site(self, site: Site) -> SitePlan:
        return SitePlan.build(name=site.name, id=site.id, organisation=site.organisation,
                        zone=site.zone, region=site.region, hub=site.name in self.hubs,
                        asn=self.asn(site), lan=self.lans[site.name],
                        devices=sorted(d.name for d in site.devices))

    def _device(self, site: Site, device: Device, tunnels: list[str]) -> DevicePlan:
        loopback = self.loopbacks[device.name]
        hub = site.name in self.hubs
        platform = self.platforms[device.platform]
        links = [self._link(k) for k in device.links]
        router_id = shared_address(device.router_id or loopback)
        return DevicePlan.build(
            name=device.name, site=site.name, site_id=site.id, platform=device.platform,
            mgmt=device.mgmt, asn=self.device_asn(site, device), loopback=loopback,
            loopback_interface=device.loopback_interface or platform.loopback_interface,
            router_id=router_id, tunnel_offset=tunnel_offset(device, platform),
            vdom=device.vdom, lan_zone=device.lan_zone, hub=hub,
            ike_id=self.ike_id(device.name),
            links=links, advertises=routing.advertises(site.name, hub), tunnels=tunnels,
            policy=self.policy.enforced[site.name] if self.policy else None)

    def _link(self, link: Link) -> LinkPlan:
        endpoint = self.link_addresses(link)[1]
        return LinkPlan.build(underlay=link.underlay, interface=link.interface,
                              address=link.address, next_hop=shared_address(link.next_hop),
                              public=endpoint if link.public else None, zone=link.zone)


def tunnel_offset(device: Device, platform: Platform) -> int:
    """What the device adds to a tunnel's pool index to number its tunnel interface."""
    return device.tunnel_offset if device.tunnel_offset is not None else platform.tunnel_offset
