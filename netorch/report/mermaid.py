"""The topology as a mermaid flowchart (renders in GitLab/GitHub Markdown and wikis).

Ids are generated (`mermaid_id`, `z<n>`, `hubs`); every text is a quoted label made by
`mermaid_string`, so no value can add a line, a node or an edge, or close a Markdown fence.
"""

from __future__ import annotations

from collections import defaultdict

from netorch.report.diagram import Edge, Group, Topology, site_caption
from netorch.report.dot import DOWN_COLOUR, underlay_style
from netorch.report.escape import mermaid_id, mermaid_string
from netorch.report.model import SiteRow

HUBS_ID = "hubs"  # the hub subgraph; site ids start s_ or x_, so none can take it
LAB_ID = "lab_state"  # the lab warning's node, likewise
LAB_STYLE = "fill:#fef3c7,color:#78350f,stroke:#b45309,stroke-width:3px"


def _node(s: SiteRow) -> str:
    label = mermaid_string(s.name, site_caption(s))
    node = mermaid_id(s.name)
    if s.hub:
        return f"{node}{{{{{label}}}}}:::hub"
    return f"{node}[[{label}]]" if s.ha else f"{node}[{label}]"


def _group(group: Group, gid: str, indent: str) -> list[str]:
    lines = [f"{indent}subgraph {gid}[{mermaid_string(group.title)}]"]
    lines += [f"{indent}  {_node(s)}" for s in group.sites]
    return [*lines, f"{indent}end"]


def _edge(e: Edge, topo: Topology) -> str:
    dashed = underlay_style(e.underlay, topo.underlays)[1] != "solid"
    link = "-.-" if dashed else "---"
    label = f"|{mermaid_string(e.label)}|" if e.label else ""
    source = mermaid_id(e.a)
    if e.b is None:
        return f"  {HUBS_ID} {link}{label} {source}"
    return f"  {source} {link}{label} {mermaid_id(e.b)}"


def _link_styles(topo: Topology) -> list[str]:
    by_style: dict[str, list[int]] = defaultdict(list)
    for i, e in enumerate(topo.edges):
        colour = DOWN_COLOUR if e.down else underlay_style(e.underlay, topo.underlays)[0]
        by_style[colour].append(i)
    return [f"  linkStyle {','.join(map(str, idx))} stroke:{colour},stroke-width:2px"
            for colour, idx in sorted(by_style.items())]


def to_mermaid(topo: Topology) -> str:
    lines = ["flowchart TB"]
    if topo.lab:
        lines += [f"  {LAB_ID}[{mermaid_string(topo.lab)}]:::lab",
                  f"  classDef lab {LAB_STYLE}"]
    if topo.hubs:
        lines += [f'  subgraph {HUBS_ID}["hubs (transit)"]',
                  *[f"    {_node(s)}" for s in topo.hubs],
                  "  end"]
    for number, (zone, groups) in enumerate(topo.zones.items()):
        if len(groups) == 1:
            lines += _group(groups[0], f"z{number}", "  ")
            continue
        lines.append(f"  subgraph z{number}[{mermaid_string('zone: ' + zone)}]")
        for i, group in enumerate(groups):
            lines += _group(group, f"z{number}_{i}", "    ")
        lines.append("  end")
    lines += [_edge(e, topo) for e in topo.edges]
    lines += _link_styles(topo)
    lines.append("  classDef hub fill:#1e293b,color:#ffffff,stroke:#0f172a,stroke-width:2px")
    return "\n".join(lines) + "\n"
