"""Lay a DOT graph out with the Graphviz `dot` binary and return inline-ready SVG."""

from __future__ import annotations

import re
import shutil
import subprocess

from netorch.errors import UserError

TIMEOUT = 120
_PROLOG = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->\n?", re.DOTALL)


def dot_binary() -> str:
    path = shutil.which("dot")
    if path is None:
        raise UserError("the HTML report needs Graphviz's `dot` (Debian/Ubuntu: apt-get install "
                        "graphviz; macOS: brew install graphviz)")
    return path


def to_svg(dot: str) -> str:
    """SVG without the XML prolog, DOCTYPE and comments (graphviz writes its version
    there), so it can sit inside HTML and stays identical across graphviz builds."""
    try:
        done = subprocess.run([dot_binary(), "-Tsvg"], input=dot.encode(), capture_output=True,
                              timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise UserError(f"graphviz took more than {TIMEOUT} s to lay the diagram out") from None
    if done.returncode != 0:
        raise UserError(f"graphviz failed: {done.stderr.decode(errors='replace').strip()}")
    svg = _PROLOG.sub("", done.stdout.decode("utf-8"), count=1)
    return _COMMENT.sub("", svg).strip() + "\n"
