"""Every report format fed hostile text: values stay data, never syntax.

The report is built from the example, then names, organisations, zones, descriptions,
findings and live state are replaced with hostile strings (bypassing the inventory
model, as a plan or state built from Python or a state file can). Each format is parsed
and its structure compared with the same report holding a harmless value instead.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections import Counter
from html.parser import HTMLParser
from typing import Any
from xml.etree import ElementTree as ET

import pytest

from netorch import api
from netorch.report import Report, make_report, render
from netorch.verify import BgpCheck, TunnelCheck, TunnelStatus, VerifyReport
from tests.report.conftest import EXAMPLE, FIXED_TIME, state_document

HOSTILE = {
    "heading-img": "# H\n<img src=x onerror=alert(1)>",
    "fence": "```",
    "mermaid-edge": '"];\nA-->B',
    "script": "</script><script>alert(1)</script>",
    "terminal": "\x1b[2J\x1b]0;pwn\x07",
    "carriage-return": "a\rb",
    "bidi": "\u202eevil\u2066x\u200b",
    "table": "x | y | z",
    "links": "[a](javascript:alert(1)) ![i](http://x/i.png) <http://x>",
    "blocks": "- item\n1. one\n===\n> quote",
    "backslashes": '\\"\\n\\l\\N\\',
    "entities": "&lt;b&gt; &#60;img&#62; #quot; #35;",
    "xml-illegal": "\x00\x0b\ufffe\ud800",
    "mermaid-lines": "end\nsubgraph x\nclick s_norfolk_hq call alert()\n%%",
    "dot-syntax": '"; X -- Y; "',
    "separators": "a\u2028b\u2029c\x85d\ve\ff",
    "hub-group-name": "hubs",
}
HARMLESS = "plain"

# Exact values of the example replaced (site and device names also inside tunnel ids).
EXACT = {"Norfolk Constabulary": "{v} org", "courts": "{v} zone", "east": "{v} region",
         "internet": "{v} underlay", "eastern-region": "{v} fabric"}
INSIDE = {"norfolk-hq": "{v}", "nfk-hq-r1": "{v} r1"}


def _replace(node: Any, value: str) -> Any:
    if isinstance(node, dict):
        return {_replace(k, value): _replace(v, value) for k, v in node.items()}
    if isinstance(node, list):
        return [_replace(v, value) for v in node]
    if isinstance(node, str):
        if node in EXACT:
            return EXACT[node].format(v=value)
        for old, new in INSIDE.items():
            node = node.replace(old, new.format(v=value))
    return node


def _live(data: dict[str, Any], value: str) -> dict[str, Any]:
    tunnels = [{"tunnel": t["id"], "status": value, "detail": value} for t in data["tunnels"]]
    origin = {"schema_version": "1.0", "source": "lab:t.x_y", "fabric": "eastern-region",
              "generated_at": FIXED_TIME, "inventory_sha256": "0" * 64}  # typed: no free text
    return {"origin": origin, "tunnels": tunnels,
            "sessions": [{"tunnel": value, "device": value, "peer": value, "state": value,
                          "prefixes_received": 1}],
            "unexpected": [{"tunnel": value, "status": "UNEXPECTED", "detail": value}],
            "counts": {value: len(tunnels), "UNEXPECTED": 1}}


def hostile(example: Report, value: str) -> Report:
    data = _replace(example.model_dump(mode="json"), value)
    data["fabric"]["description"] = value
    for site in data["sites"]:
        site["description"] = value
    data["findings"].append({"severity": "error", "code": value, "location": value,
                             "message": value})
    data["state"] = _live(data, value)
    for t in data["tunnels"]:
        t["status"] = value
    data["summary"]["live"] = data["state"]["counts"]
    data["provenance"].update(state=value, state_sha256=value, allocations=value)
    data["banner"] = value
    return Report.model_validate(data)


@pytest.fixture(scope="module")
def reports() -> dict[str, Report]:
    import os
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    cwd = Path.cwd()
    os.chdir(root)
    try:
        example = make_report(api.load(EXAMPLE), generated_at=FIXED_TIME)
    finally:
        os.chdir(cwd)
    built = {name: hostile(example, value) for name, value in HOSTILE.items()}
    built[HARMLESS] = hostile(example, HARMLESS)
    return built


CASES = sorted(HOSTILE)


# --- Markdown ---------------------------------------------------------------------

def _md_tokens(text: str) -> list[Any]:
    markdown_it = pytest.importorskip("markdown_it")
    return list(markdown_it.MarkdownIt("commonmark").enable("table").parse(text))


def _md_shape(text: str) -> Counter[str]:
    return Counter(t.type for t in _md_tokens(text))


def _heading_lines(text: str) -> list[int]:
    return [i for i, line in enumerate(text.splitlines()) if line.lstrip().startswith("#")]


def _outside_fence(text: str) -> str:
    return re.sub(r"```mermaid\n.*?```", "", text, flags=re.DOTALL)


@pytest.mark.parametrize("case", CASES)
def test_markdown_structure_is_the_templates(reports: dict[str, Report], case: str) -> None:
    text, plain = render(reports[case], "md"), render(reports[HARMLESS], "md")
    assert text.count("\n") == plain.count("\n")
    assert _md_shape(text) == _md_shape(plain)  # same headings, tables, rows, lists, fence
    tokens = _md_tokens(text)
    assert not [t for t in tokens if t.type.startswith("html")]
    inline = [c for t in tokens for c in (t.children or [])]
    assert not [c for c in inline if c.type in ("html_inline", "image", "link_open")]
    assert _heading_lines(text) == _heading_lines(plain)  # no line starts with # from data
    assert "<" not in _outside_fence(text)
    assert "\x1b" not in text and "\r" not in text and "\u202e" not in text


@pytest.mark.parametrize("case", CASES)
def test_markdown_table_rows_keep_their_cells(reports: dict[str, Report], case: str) -> None:
    def cells(text: str) -> list[int]:
        rows = [line for line in _outside_fence(text).splitlines() if line.startswith("|")]
        return [len(re.findall(r"(?<!\\)\|", row)) for row in rows]

    assert cells(render(reports[case], "md")) == cells(render(reports[HARMLESS], "md"))


# --- mermaid ----------------------------------------------------------------------

_LABEL = r'"[^"]*"'
_ID = r"(?:s_[A-Za-z0-9_]+|x_[0-9a-f]{20})"
MERMAID_LINE = re.compile("|".join([
    r"flowchart TB",
    rf'\s*subgraph (?:hubs|z\d+(?:_\d+)?)\[{_LABEL}\]',
    r"\s*end",
    rf"\s*{_ID}(?:\{{\{{{_LABEL}\}}\}}:::hub|\[\[{_LABEL}\]\]|\[{_LABEL}\])",
    rf"\s*(?:hubs|{_ID}) (?:---|-\.-)(?:\|{_LABEL}\|)? {_ID}",
    r"\s*linkStyle [0-9,]+ stroke:#[0-9a-f]{6},stroke-width:2px",
    r"\s*classDef hub .*",
    rf"\s*lab_state\[{_LABEL}\]:::lab",  # live state from a lab: the warning node
    r"\s*classDef lab .*",
]))


@pytest.mark.parametrize("case", CASES)
def test_mermaid_lines_are_the_generators(reports: dict[str, Report], case: str) -> None:
    text, plain = render(reports[case], "mermaid"), render(reports[HARMLESS], "mermaid")
    assert len(text.splitlines()) == len(plain.splitlines())
    for line in text.splitlines():
        assert MERMAID_LINE.fullmatch(line), line
        labels = re.findall(_LABEL, line)
        assert all("<" not in label.replace("<br/>", "") for label in labels), line
    assert "```" not in text and "`" not in text
    assert text.replace("\n", "").isprintable()


@pytest.mark.parametrize("case", CASES)
def test_markdown_holds_exactly_one_mermaid_fence(reports: dict[str, Report], case: str
                                                  ) -> None:
    fences = [t for t in _md_tokens(render(reports[case], "md")) if t.type == "fence"]
    assert [f.info for f in fences] == ["mermaid"]
    assert fences[0].content == render(reports[case], "mermaid")


# --- Graphviz DOT -----------------------------------------------------------------

def _svg(dot: str) -> ET.Element:
    binary = shutil.which("dot")
    if binary is None:
        pytest.skip("graphviz is not installed")
    done = subprocess.run([binary, "-Tsvg"], input=dot.encode(), capture_output=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    assert not done.stderr, done.stderr.decode(errors="replace")  # no syntax warnings
    return ET.fromstring(done.stdout)


def _svg_shape(svg: ET.Element) -> Counter[str]:
    return Counter(g.get("class", "") for g in svg.iter("{http://www.w3.org/2000/svg}g"))


@pytest.mark.parametrize("case", CASES)
def test_dot_parses_to_the_same_graph(reports: dict[str, Report], case: str) -> None:
    text, plain = render(reports[case], "dot"), render(reports[HARMLESS], "dot")
    assert len(text.splitlines()) == len(plain.splitlines())
    shape = _svg_shape(_svg(text))
    plain_shape = _svg_shape(_svg(plain))
    for kind in ("node", "edge", "cluster", "graph"):
        assert sum(n for k, n in shape.items() if kind in k.split()) == \
            sum(n for k, n in plain_shape.items() if kind in k.split()), kind


# --- HTML -------------------------------------------------------------------------

class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: Counter[str] = Counter()
        self.handlers: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        self.handlers += [name for name, _ in attrs if name.startswith("on")]


def _tags(text: str) -> _Tags:
    parser = _Tags()
    parser.feed(text)
    parser.close()
    return parser


@pytest.mark.parametrize("case", CASES)
def test_html_has_the_templates_elements_only(reports: dict[str, Report], case: str) -> None:
    text, plain = render(reports[case], "html"), render(reports[HARMLESS], "html")
    found = _tags(text)
    assert found.tags == _tags(plain).tags
    assert found.handlers == []
    assert "script" not in found.tags and "img" not in found.tags
    assert "\x1b" not in text and "\u202e" not in text and "\x00" not in text
    text.encode("utf-8")  # no lone surrogate: the page can be written


def test_html_css_is_not_entity_escaped(reports: dict[str, Report]) -> None:
    assert '"Segoe UI"' in render(reports[HARMLESS], "html")


# --- JSON -------------------------------------------------------------------------

@pytest.mark.parametrize("case", CASES)
def test_json_keeps_the_value_exactly(reports: dict[str, Report], case: str) -> None:
    text = render(reports[case], "json")
    text.encode("utf-8")
    doc = json.loads(text)
    assert doc["fabric"]["description"] == HOSTILE[case]
    assert doc == reports[case].model_dump(mode="json")


# --- through make_report: the inventory and the --state file ------------------------

def test_inventory_and_state_text_is_escaped(at_root: Any, tmp_path: Any) -> None:
    value = HOSTILE["heading-img"] + HOSTILE["fence"] + HOSTILE["mermaid-edge"]
    inventory = api.load(EXAMPLE)
    sites = [s.model_copy(update={"organisation": f"{s.organisation} {value}",
                                  "description": value})
             for s in inventory.sites]
    fabric = inventory.fabric.model_copy(update={"description": value})
    hostile_inventory = inventory.model_copy(update={"sites": sites, "fabric": fabric})
    tid = api.plan(inventory).tunnels[0].id
    state = tmp_path / "verify.json"
    state.write_text(state_document(VerifyReport(  # a status is typed: one of verify's four
        tunnels=[TunnelCheck(value, tid, TunnelStatus.DOWN, value, value, value),
                 TunnelCheck(value, value, TunnelStatus.UNEXPECTED, value, value, value)],
        bgp=[BgpCheck(value, value, value, value, None)])))
    report = make_report(hostile_inventory, state=state, generated_at=FIXED_TIME)
    plain = make_report(inventory, state=state, generated_at=FIXED_TIME)
    md = render(report, "md")
    assert "<img" not in md and not re.search(r"^#+ H", md, flags=re.MULTILINE)
    assert _md_shape(md)["heading_open"] == _md_shape(render(plain, "md"))["heading_open"]
    mermaid = render(report, "mermaid")
    assert len(mermaid.splitlines()) == len(render(plain, "mermaid").splitlines())
    assert "<img" not in render(report, "html")
    assert _svg_shape(_svg(render(report, "dot")))
