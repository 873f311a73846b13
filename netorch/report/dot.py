"""The topology in Graphviz DOT: clusters by zone and organisation, hubs in the middle
with zones on both sides, one line style and colour per underlay, double borders for
HA pairs. Every name and text goes through `dot_string` / `dot_label` (escape.py)."""

from __future__ import annotations

from netorch.report.diagram import Edge, Group, Topology, site_caption
from netorch.report.escape import dot_label, dot_string
from netorch.report.model import SiteRow

UNDERLAY_STYLES = (("#1d4ed8", "solid"), ("#c2410c", "dashed"), ("#047857", "dotted"),
                   ("#7c3aed", "dashed"), ("#be185d", "dotted"))
CROSS_STYLE = ("#6b7280", "dotted")
DOWN_COLOUR = "#dc2626"
ZONE_FILLS = ("#eff6ff", "#fef3c7", "#ecfdf5", "#fdf2f8", "#f5f3ff", "#f0f9ff", "#fff7ed")
LARGE = 200  # above this many sites, straight edges (spline routing grows quadratically)


def underlay_style(underlay: str, underlays: dict[str, int]) -> tuple[str, str]:
    names = list(underlays)
    if underlay not in names:
        return CROSS_STYLE
    return UNDERLAY_STYLES[names.index(underlay) % len(UNDERLAY_STYLES)]


def _node(s: SiteRow, fill: str) -> str:
    attrs = [f"id={dot_string('site-' + s.name)}", f"label={dot_label(s.name, site_caption(s))}",
             f"tooltip={dot_string(f'{s.name} ({s.organisation}, {s.zone}, id {s.id})')}"]
    if s.hub:
        attrs += ['class="site hub"', 'style="filled,bold"', 'fillcolor="#1e293b"',
                  'fontcolor="white"', "penwidth=2"]
    else:
        attrs += ['class="site"', f"fillcolor={dot_string(fill)}"]
    if s.ha:
        attrs.append("peripheries=2")
    return f"{dot_string(s.name)} [{', '.join(attrs)}];"


def left_sites(topo: Topology) -> frozenset[str]:
    """Zones split over two sides of the hubs, largest first onto the lighter side, so
    the hubs sit in the middle and each side is half as tall."""
    sides: tuple[list[str], list[str]] = ([], [])
    weight = [0, 0]
    sizes = {z: sum(len(g.sites) for g in gs) for z, gs in topo.zones.items()}
    for zone in sorted(sizes, key=lambda z: (-sizes[z], z)):
        side = 0 if weight[0] <= weight[1] else 1
        sides[side].append(zone)
        weight[side] += sizes[zone]
    return frozenset(s.name for z in sides[0] for g in topo.zones[z] for s in g.sites)


def _group(group: Group, index: str, fill: str, indent: str) -> list[str]:
    lines = [f"{indent}subgraph cluster_{index} {{", f"{indent}  label={dot_string(group.title)};"]
    lines += [f"{indent}  {_node(s, fill)}" for s in group.sites]
    return [*lines, f"{indent}}}"]


def _zone(zone: str, groups: tuple[Group, ...], number: int) -> list[str]:
    fill = ZONE_FILLS[number % len(ZONE_FILLS)]
    if len(groups) == 1:
        return _group(groups[0], f"z{number}", fill, "  ")
    lines = [f"  subgraph cluster_z{number} {{", f"    label={dot_string('zone: ' + zone)};",
             '    style="rounded"; color="#94a3b8";']
    for i, group in enumerate(groups):
        lines += _group(group, f"z{number}_{i}", fill, "    ")
    return [*lines, "  }"]


def _edge(e: Edge, topo: Topology, left: frozenset[str]) -> str:
    """Left-side sites point at the hubs, hubs point at right-side sites (ranks L→R)."""
    colour, style = underlay_style(e.underlay, topo.underlays)
    tail, head = (topo.hubs[0].name, e.a) if e.b is None else (e.a, e.b)
    flip = head in left and tail not in left
    attrs = [f"color={dot_string(DOWN_COLOUR if e.down else colour)}", f"style={style}",
             f"class={dot_string('tunnel ' + e.underlay)}",
             f"tooltip={dot_string(f'{e.a} - {e.b_name}: {e.tunnels} {e.underlay} tunnel(s)')}"]
    if e.b is None:
        attrs.append('lhead="cluster_hubs"' if flip else 'ltail="cluster_hubs"')
    if e.label:
        attrs.append(f"label={dot_string(e.label)}")
    tail, head = (head, tail) if flip else (tail, head)
    return f"  {dot_string(tail)} -- {dot_string(head)} [{', '.join(attrs)}];"


def legend(topo: Topology) -> str:
    parts = [f"{underlay_style(u, topo.underlays)[1]} = {u} (pref {p})"
             for u, p in topo.underlays.items()]
    parts += ["dark = hub", "double border = HA pair", "edge to the hub box = to every hub"]
    parts += ["red = tunnels down"] if topo.live else []
    return " · ".join(parts)


def _caption(topo: Topology) -> str:
    """The graph's label: the legend, after the lab warning when the state is a lab's."""
    return f"{topo.lab} · {legend(topo)}" if topo.lab else legend(topo)


def to_dot(topo: Topology, name: str) -> str:
    size = len(topo.hubs) + sum(len(g.sites) for gs in topo.zones.values() for g in gs)
    lines = [f"graph {dot_string(name)} {{",
             f"  graph [fontname=\"Helvetica\", fontsize=11, compound=true, newrank=true, "
             f"rankdir=LR, nodesep=0.2, ranksep=2.5, splines={'line' if size > LARGE else 'true'}, "
             f"labelloc=b, label={dot_string(_caption(topo))}];",
             '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10, '
             'margin="0.12,0.04"];',
             '  edge [fontname="Helvetica", fontsize=9, penwidth=1.4];']
    if topo.hubs:
        lines += ["  subgraph cluster_hubs {", '    label="hubs (transit)"; style="rounded,bold";',
                  *[f"    {_node(s, '')}" for s in topo.hubs], "  }"]
    for number, (zone, groups) in enumerate(topo.zones.items()):
        lines += _zone(zone, groups, number)
    left = left_sites(topo)
    lines += [_edge(e, topo, left) for e in topo.edges]
    return "\n".join([*lines, "}"]) + "\n"
