"""What a template sees for one device: its plan, its tunnels from its own side, keys."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass

from pydantic import BaseModel

from netorch.keys import REDACTED, Secret, needs_secret
from netorch.pki.state import FabricPki
from netorch.pki.view import DevicePki, device_view
from netorch.plan.model import (
    AddressGroup,
    DevicePlan,
    FabricPlan,
    FabricSummary,
    FlowRule,
    PolicyPlan,
    PrefixSet,
    Service,
    SitePlan,
    Tunnel,
    TunnelEnd,
)


@dataclass(frozen=True)
class TunnelView:
    """One tunnel as this device sees it: `local` is our end, `remote` the peer's."""

    tunnel: Tunnel
    local: TunnelEnd
    remote: TunnelEnd
    psk: str | None

    @property
    def id(self) -> str:
        return self.tunnel.id

    @property
    def index(self) -> int:
        return self.tunnel.index


@dataclass(frozen=True)
class DevicePolicy:
    """The segmentation rules one device enforces, and the groups and services they
    use (each sorted by name). Its firewall allows a new flow that crosses a tunnel
    interface (in, out, or tunnel to tunnel) only when one of `rules` does; replies
    of an allowed flow return by state."""

    rules: list[FlowRule]
    groups: list[AddressGroup]
    services: list[Service]
    default: str
    same_organisation: str


@dataclass(frozen=True)
class DeviceContext:
    """The variables of every template of one device."""

    fabric: FabricSummary
    site: SitePlan
    device: DevicePlan
    tunnels: list[TunnelView]
    prefix_sets: list[PrefixSet]
    options: dict[str, object]
    pki: DevicePki | None = None
    policy: DevicePolicy | None = None

    def variables(self) -> dict[str, object]:
        return {"fabric": self.fabric, "site": self.site, "device": self.device,
                "tunnels": self.tunnels, "prefix_sets": self.prefix_sets,
                "options": self.options, "pki": self.pki, "policy": self.policy}


def find_field(variables: dict[str, object], value: str, char: str) -> str:
    """Where in a device's template variables a refused value came from, e.g.
    "site.organisation": the field equal to it, else one holding `char` inside it."""
    holders = [(path, text) for path, text in _leaves(variables, "") if char in text]
    exact = [path for path, text in holders if text == value]
    inside = [path for path, text in holders if text in value]
    found = exact or inside or [path for path, _ in holders]
    return found[0] if found else "a template expression"


def _leaves(node: object, path: str, depth: int = 0) -> Iterator[tuple[str, str]]:
    """(path, text) of every string under `node`: models, dataclasses, lists, dicts."""
    if isinstance(node, str):
        yield path, node
    elif depth > 8:
        return
    elif isinstance(node, BaseModel):
        yield from _children(((n, getattr(node, n)) for n in type(node).model_fields),
                             path, depth)
    elif dataclasses.is_dataclass(node) and not isinstance(node, type):
        yield from _children(((f.name, getattr(node, f.name))
                              for f in dataclasses.fields(node)), path, depth)
    elif isinstance(node, dict):
        yield from _children(((str(k), v) for k, v in node.items()), path, depth)
    elif isinstance(node, list | tuple):
        for i, item in enumerate(node):
            yield from _leaves(item, f"{path}[{i}]", depth + 1)


def _children(items: Iterator[tuple[str, object]], path: str, depth: int
              ) -> Iterator[tuple[str, str]]:
    for name, child in items:
        yield from _leaves(child, f"{path}.{name}" if path else name, depth + 1)


def device_contexts(plan: FabricPlan, secret: Secret | None, *, redact: bool,
                    options: dict[str, object], devices: set[str] | None = None,
                    pki: FabricPki | None = None, pki_keys: bool = True
                    ) -> Iterator[DeviceContext]:
    """One context per device (all, or those named), in plan order; `pki` (a certificate
    fabric's PKI folder) gives each its certificates, and its derived key if any."""
    sites = {s.name: s for s in plan.sites}
    sets = {s.name: s for s in plan.prefix_sets}
    views = _views(plan, secret, redact=redact, devices=devices)
    policies = _Policies(plan.policy)
    for device in plan.devices:
        if devices is not None and device.name not in devices:
            continue
        mine = views.get(device.name, [])
        used = {device.advertises} | {v.local.accepts for v in mine} | {
            v.local.advertises for v in mine} | {p.match for v in mine for p in v.local.preferences}
        yield DeviceContext(plan.fabric, sites[device.site], device, mine,
                            [sets[n] for n in sorted(used)], options,
                            _device_pki(plan, pki, device.name,
                                        secret if pki_keys else None, redact=redact),
                            policies.of(device))


class _Policies:
    """Each device's `DevicePolicy`, one per distinct rule list (devices of sites alike
    share one)."""

    def __init__(self, plan: PolicyPlan | None) -> None:
        self.plan = plan
        self.rules = {r.name: r for r in plan.rules} if plan else {}
        self.groups = {g.name: g for g in plan.groups} if plan else {}
        self.services = {s.name: s for s in plan.services} if plan else {}
        self._made: dict[tuple[str, ...], DevicePolicy] = {}

    def of(self, device: DevicePlan) -> DevicePolicy | None:
        if self.plan is None or device.policy is None:
            return None
        key = tuple(device.policy)
        if key not in self._made:
            rules = [self.rules[n] for n in key]
            groups = sorted({n for r in rules for n in (r.source, r.destination)})
            services = sorted({n for r in rules for n in r.services})
            self._made[key] = DevicePolicy(
                rules, [self.groups[n] for n in groups], [self.services[n] for n in services],
                self.plan.default, self.plan.same_organisation)
        return self._made[key]


def _views(plan: FabricPlan, secret: Secret | None, *, redact: bool,
           devices: set[str] | None) -> dict[str, list[TunnelView]]:
    views: dict[str, list[TunnelView]] = {}
    for t in plan.tunnels:
        wanted = [e for e in (t.a, t.b) if devices is None or e.device in devices]
        if not wanted:
            continue
        psk = _psk(plan.fabric.name, t, secret, redact=redact)
        for local in wanted:
            remote = t.b if local is t.a else t.a
            views.setdefault(local.device, []).append(TunnelView(t, local, remote, psk))
    return views


def _device_pki(plan: FabricPlan, pki: FabricPki | None, device: str, secret: Secret | None,
                *, redact: bool) -> DevicePki | None:
    if pki is None or plan.fabric.auth != "certificate":
        return None
    return device_view(pki, device, secret, redact=redact)


def _psk(fabric: str, tunnel: Tunnel, secret: Secret | None, *, redact: bool) -> str | None:
    if not needs_secret(tunnel):
        return None
    if redact or secret is None or tunnel.key_ref is None:
        return REDACTED
    return secret.derive(fabric, tunnel.key_ref)
