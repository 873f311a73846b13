"""Format a `Report`: html (self-contained), md, json, dot, mermaid."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from netorch.report import wording
from netorch.report.diagram import topology
from netorch.report.dot import legend, to_dot, underlay_style
from netorch.report.escape import html_value, json_document, markdown, md_code
from netorch.report.graphviz import to_svg
from netorch.report.mermaid import to_mermaid
from netorch.report.model import Report, RouteCount

TEMPLATES = Path(__file__).parent / "templates"


class MarkdownText(str):
    """Text already in Markdown syntax (made here from escaped parts): printed as is."""


def md_value(value: object) -> str:
    """Jinja's `finalize` for Markdown: every `{{ value }}` is escaped as text unless
    it is `MarkdownText`, so no template expression can forget to escape."""
    return value if isinstance(value, MarkdownText) else markdown(str(value))


def md_code_filter(value: object) -> MarkdownText:
    return MarkdownText(md_code(str(value)))


def routes_text(routes: list[RouteCount], total: bool = True) -> str:
    """'primary: …; backup: … (n)' per distinct route, n only when several differ."""
    if len(routes) == 1 and not total:
        return routes[0].route.text
    return " / ".join(f"{rc.route.text} ({rc.pairs})" for rc in routes) or "—"


@cache
def _env(html: bool) -> Environment:
    """HTML: every value made printable (`html_value`), then autoescaped (`|safe` only on
    the SVG graphviz escaped and on our own CSS). Markdown: every value through `markdown`
    (`md_value`)."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined,
                      autoescape=html,
                      finalize=html_value if html else md_value,
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["code"] = md_code_filter
    env.filters["routes"] = routes_text
    env.filters["count"] = wording.count
    env.filters["verdict"] = wording.verdict
    env.filters["reached_by"] = wording.reached_by
    env.filters["segmentation"] = wording.segmentation
    env.filters["services"] = wording.services
    env.filters["drift_case"] = wording.drift_case
    return env


def _html(report: Report) -> str:
    topo = topology(report)
    svg = to_svg(to_dot(topo, report.fabric.name))
    styles = {u: underlay_style(u, topo.underlays) for u in topo.underlays}
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    return _env(True).get_template("report.html.j2").render(
        r=report, svg=svg, css=css, styles=styles, legend=legend(topo))


def _markdown(report: Report) -> str:
    return _env(False).get_template("report.md.j2").render(
        r=report, mermaid=MarkdownText(to_mermaid(topology(report))))


def _json(report: Report) -> str:
    return json_document(report.model_dump(mode="json"))


def _dot(report: Report) -> str:
    return to_dot(topology(report), report.fabric.name)


def _mermaid(report: Report) -> str:
    return to_mermaid(topology(report))


FORMATS: dict[str, Callable[[Report], str]] = {
    "html": _html, "md": _markdown, "json": _json, "dot": _dot, "mermaid": _mermaid}


def render(report: Report, fmt: str) -> str:
    return FORMATS[fmt](report)
