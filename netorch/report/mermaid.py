"""The topology as a mermaid flowchart (renders in GitLab/GitHub Markdown and wikis)."""

from __future__ import annotations

import re
from collections import defaultdict

from netorch.report.diagram import HUB_GROUP, Edge, Group, Topology, site_caption
from netorch.report.dot import DOWN_COLOUR, underlay_style
from netorch.report.model import SiteRow

_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


def node_id(site: str) -> str:
    """A mermaid-safe id (names are lower-case words joined by '-').

    >>> node_id("king-s-lynn")
    's_king_s_lynn'
    """
    return "s_" + _UNSAFE.sub("_", site)


def text(value: str) -> str:
    return '"' + value.replace('"', "#quot;") + '"'


def _node(s: SiteRow) -> str:
    label = text(f"{s.name}<br/>{site_caption(s)}")
    if s.hub:
        return f"{node_id(s.name)}{{{{{label}}}}}:::hub"
    return f"{node_id(s.name)}[[{label}]]" if s.ha else f"{node_id(s.name)}[{label}]"


def _group(group: Group, gid: str, indent: str) -> list[str]:
    lines = [f"{indent}subgraph {gid}[{text(group.title)}]"]
    lines += [f"{indent}  {_node(s)}" for s in group.sites]
    return [*lines, f"{indent}end"]


def _edge(e: Edge, topo: Topology) -> str:
    dashed = underlay_style(e.underlay, topo.underlays)[1] != "solid"
    link = "-.-" if dashed else "---"
    label = f"|{text(e.label)}|" if e.label else ""
    target = "hubs" if e.b == HUB_GROUP else node_id(e.b)
    source = node_id(e.a)
    return f"  {target} {link}{label} {source}" if e.b == HUB_GROUP else \
        f"  {source} {link}{label} {target}"


def _link_styles(topo: Topology) -> list[str]:
    by_style: dict[str, list[int]] = defaultdict(list)
    for i, e in enumerate(topo.edges):
        colour = DOWN_COLOUR if e.down else underlay_style(e.underlay, topo.underlays)[0]
        by_style[colour].append(i)
    return [f"  linkStyle {','.join(map(str, idx))} stroke:{colour},stroke-width:2px"
            for colour, idx in sorted(by_style.items())]


def to_mermaid(topo: Topology) -> str:
    lines = ["flowchart TB"]
    if topo.hubs:
        lines += ['  subgraph hubs["hubs (transit)"]', *[f"    {_node(s)}" for s in topo.hubs],
                  "  end"]
    for number, (zone, groups) in enumerate(topo.zones.items()):
        if len(groups) == 1:
            lines += _group(groups[0], f"z{number}", "  ")
            continue
        lines.append(f"  subgraph z{number}[{text('zone: ' + zone)}]")
        for i, group in enumerate(groups):
            lines += _group(group, f"z{number}_{i}", "    ")
        lines.append("  end")
    lines += [_edge(e, topo) for e in topo.edges]
    lines += _link_styles(topo)
    lines.append("  classDef hub fill:#1e293b,color:#ffffff,stroke:#0f172a,stroke-width:2px")
    return "\n".join(lines) + "\n"
