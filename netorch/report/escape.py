r"""One escaping function per report syntax, applied where text leaves (never earlier).

Inventory and `--state` text is data, never syntax, whatever it holds: each function
here turns any string into text that the target syntax reads as a literal, on one line,
with control and bidi characters shown as visible escapes (`netorch.findings.printable`).

- Markdown: `markdown` (prose and table cells) and `md_code` (inline code).
- mermaid: `mermaid_string` (quoted labels) and `mermaid_id` (node ids).
- Graphviz DOT: `dot_string` (quoted strings) and `dot_label` (multi-line labels).
- HTML: `html_value` before Jinja2's autoescape (see `render.py`).
- JSON: `json_document`.

>>> markdown("# H\n<img src=x onerror=alert(1)>")
'\\# H &lt;img src=x onerror=alert(1)&gt;'
>>> mermaid_string('"];', "A-->B")
'"#quot;#93;#59;<br/>A--#gt;B"'
>>> dot_string('a"\\b\n')
'"a\\"\\\\b "'
"""

from __future__ import annotations

import hashlib
import json
import re

from markupsafe import Markup

from netorch.findings import printable

# Markdown: newlines (of every kind) become spaces; characters that start inline syntax
# anywhere are backslash-escaped; HTML-significant ones become entities, so no raw HTML.
_NEWLINES = re.compile(r"\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")
_MD_INLINE = re.compile(r"([\\`*\[\]{}#!|~$@^]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")
_MD_HTML = re.compile(r"<|>|&(?=[A-Za-z0-9#])")  # `&` only where it could start an entity
_MD_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# What would start a block at the start of a line: a list item, or a setext underline.
_MD_BLOCK_START = re.compile(r" *(?:[-+](?=\s|$)|\d{1,9}(?=[.)](?:\s|$))|[-=]+\s*$)")
_MD_CODE_SAFE = re.compile(r"[^`|\\<>&\s]+(?: [^`|\\<>&\s]+)*")


def markdown(text: str) -> str:
    r"""Plain text for Markdown prose or a table cell: one line, no markup, no HTML.

    >>> markdown("a|b `c` *d* [e](f) &lt; <g> & snake_case _x_")
    'a\\|b \\`c\\` \\*d\\* \\[e\\](f) &amp;lt; &lt;g&gt; & snake_case \\_x\\_'
    >>> markdown("- item"), markdown("1. item"), markdown("10.1.0.0/16"), markdown("===")
    ('\\- item', '1\\. item', '10.1.0.0/16', '\\===')
    """
    flat = printable(_NEWLINES.sub(" ", text))
    escaped = _MD_INLINE.sub(r"\\\1", flat)
    escaped = _MD_HTML.sub(lambda m: _MD_ENTITIES[m.group()], escaped)
    start = _MD_BLOCK_START.match(escaped)
    if start is None:
        return escaped
    if escaped[start.end() - 1].isdigit():  # "1." or "1)": escape the dot, not the number
        return f"{escaped[:start.end()]}\\{escaped[start.end():]}"
    indent = len(escaped) - len(escaped.lstrip(" "))
    return f"{escaped[:indent]}\\{escaped[indent:]}"


def md_code(text: str) -> str:
    r"""Inline code when `text` is safe verbatim inside backticks in a table, else the
    `markdown` text (code spans cannot escape a backtick, `|` or HTML-looking text).

    >>> md_code("a--b--private"), md_code("x`y")
    ('`a--b--private`', 'x\\`y')
    """
    if text.isprintable() and _MD_CODE_SAFE.fullmatch(text):
        return f"`{text}`"
    return markdown(text)


# mermaid: labels are quoted strings whose text mermaid renders as HTML; `#name;` and
# `#code;` are its entity escapes. `#` goes first so user text cannot forge an entity.
_MERMAID_ENTITIES = {"#": "#35;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "&": "#amp;",
                     "`": "#96;", "|": "#124;", ";": "#59;", "[": "#91;", "]": "#93;",
                     "{": "#123;", "}": "#125;", "\\": "#92;"}
_MERMAID_SPECIAL = re.compile(r"""&(?=[A-Za-z0-9#])|[#"<>`|;\[\]{}\\]""")
_MERMAID_ID_SAFE = re.compile(r"[A-Za-z0-9-]+")


def mermaid_text(text: str) -> str:
    """The text of one line of a mermaid label (inside its quotes)."""
    flat = printable(_NEWLINES.sub(" ", text))
    return _MERMAID_SPECIAL.sub(lambda m: _MERMAID_ENTITIES[m.group()], flat)


def mermaid_string(*lines: str) -> str:
    """A quoted mermaid label; lines are joined by mermaid's own `<br/>`."""
    return '"' + "<br/>".join(mermaid_text(line) for line in lines) + '"'


def mermaid_id(name: str) -> str:
    r"""A mermaid node id, one per name (no two names share one): names of letters,
    digits and '-' keep their shape; any other name becomes a digest.

    >>> mermaid_id("king-s-lynn"), mermaid_id('a"];')
    ('s_king_s_lynn', 'x_87eb00b66a771921d142')
    """
    if _MERMAID_ID_SAFE.fullmatch(name):
        return "s_" + name.replace("-", "_")
    return "x_" + hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:20]


# Graphviz DOT: a double-quoted string; only `"` is a lexer escape, but labels and
# tooltips read `\n`, `\l`, `\N`... so every backslash is doubled. No newlines.
def dot_text(text: str) -> str:
    r"""The inside of a DOT string: one line, `\` and `"` escaped."""
    flat = printable(_NEWLINES.sub(" ", text))
    return flat.replace("\\", "\\\\").replace('"', '\\"')


def dot_string(text: str) -> str:
    r"""A DOT string literal.

    >>> dot_string('Courts "& Tribunals"')
    '"Courts \\"& Tribunals\\""'
    """
    return f'"{dot_text(text)}"'


def dot_label(*lines: str) -> str:
    r"""A DOT label of several lines, joined by DOT's own `\n` line break."""
    return '"' + "\\n".join(dot_text(line) for line in lines) + '"'


# HTML: Jinja2's autoescape quotes `<>&'"`; this makes control and bidi characters visible
# first (and lone surrogates, which no UTF-8 page can hold). Markup (the SVG graphviz
# escaped, our CSS) is passed through as is.
def html_value(value: object) -> object:
    """Jinja's `finalize` for HTML: text made printable; autoescape does the rest."""
    if isinstance(value, Markup) or not isinstance(value, str):
        return value
    return printable(value)


# JSON: json.dumps escapes quotes, backslashes and controls; a lone surrogate (from a
# `\ud800` escape in the state file, or a non-UTF-8 file name) cannot be written as
# UTF-8, so it is written as its JSON escape (it can only occur inside a string).
_SURROGATE = re.compile("[\ud800-\udfff]")


def json_document(data: object) -> str:
    """`data` as indented UTF-8 JSON text, one value per document, ending in a newline."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"
