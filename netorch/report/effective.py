"""What the plan lets through: routes both ways, and every firewall on the way.

A flow from S to T of a service passes when S routes to T and T routes back to S (the
firewalls keep state, so replies must have a way back), the source site's devices,
every hub on the way (`Routes.transit`) and the destination site's devices each let it
through. It is computed from the plan alone (prefix sets, tunnel ends, flow rules,
groups, services, devices' rules), never from the policy or the rendered configs.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

from netorch.plan.model import FabricPlan
from netorch.report.bits import Partition, has, meet
from netorch.report.firewall import Firewalls
from netorch.report.routes import Routes
from netorch.report.services import Vocabulary
from netorch.report.sites import Sites


@dataclass(frozen=True)
class Way:
    """From one source: the destinations routed both ways, and the hubs crossed."""

    routed: int
    transit: tuple[tuple[int, int], ...]  # (hub, destinations whose path crosses it)


class Effective:
    def __init__(self, plan: FabricPlan, sites: Sites, vocabulary: Vocabulary) -> None:
        self.sites = sites
        self.vocabulary = vocabulary
        self.every = vocabulary.atoms.full
        self.routes = Routes(plan, sites)
        self.walls = Firewalls(plan, sites, vocabulary)

    def way(self, source: int) -> Way:
        paths = self.routes.paths(source)
        routed = self.routes.out(paths) & self.routes.back(source)
        return Way(routed, tuple(self.routes.transit(source, paths).items()))

    def key(self, source: int, way: Way) -> Hashable:
        """Sources with one key have one row."""
        return way, self.walls.starting[source], tuple(self.walls.devices[source])

    def row(self, source: int, way: Way) -> Partition:
        full = self.sites.full
        parts = {v: m for v, m in ((self.every, way.routed), (0, full & ~way.routed)) if m}
        leaving = self.walls.site(source, source)
        parts = meet(meet(parts, leaving), self.walls.arriving(source))
        for hub, crossing in way.transit:
            transit = self.walls.site(hub, source)
            if transit is not leaving:  # the same rules as the source's: nothing more
                parts = meet(parts, self._within(transit, crossing))
        return parts

    def _within(self, parts: Partition, where: int) -> Partition:
        """`parts` for the destinations in `where`; everything passes elsewhere."""
        out = {v: m & where for v, m in parts.items() if m & where}
        rest = self.sites.full & ~where
        if rest:
            out[self.every] = out.get(self.every, 0) | rest
        return out

    def why(self, source: int, target: int, intended: int, effective: int) -> str:
        """Why the plan lets more, or less, from `source` to `target` than intended."""
        s, t = self.sites.names[source], self.sites.names[target]
        missing = intended & ~effective
        if not missing:
            extra = self._say(effective & ~intended)
            rules = self.walls.matching(source, target, effective & ~intended)
            if not rules:
                return f"the plan routes it both ways and no firewall on the way stops {extra}"
            lets = "lets" if len(rules) == 1 else "let"
            return f"the plan routes it both ways and {', '.join(rules)} {lets} {extra} through"
        paths = self.routes.paths(source)
        if not has(self.routes.out(paths), target):
            return f"{s} has no route to {t}"
        if not has(self.routes.back(source), target):
            return f"{t} has no route back to {s}"
        checks = [(f"{s}'s firewall", self.walls.site(source, source)),
                  (f"{t}'s firewall", self.walls.arriving(source)),
                  *((f"hub {self.sites.names[h]}'s firewall", self.walls.site(h, source))
                    for h, crossing in self.routes.transit(source, paths).items()
                    if has(crossing, target))]
        for who, parts in checks:
            refused = missing & ~_at(parts, target)
            if refused:
                return f"{who} refuses {self._say(refused)}"
        return "the plan lets it through"  # not reached: some check refuses it

    def _say(self, vector: int) -> str:
        return ", ".join(self.vocabulary.describe(vector)) or "nothing"


def _at(parts: Partition, target: int) -> int:
    return next((v for v, m in parts.items() if has(m, target)), 0)
