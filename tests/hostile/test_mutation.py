"""Mutation fuzzing (issue 12 §7): valid inventories with hostile values in their fields.

Each example takes a small valid fixture, puts random values into one to three of its
fields (text with control characters, newlines, quotes, bidi and zero-width characters,
statement payloads, very long strings; or another type: int, list, null, mapping), and
runs `validate`, `render --redact` and `report`. Whatever the input:

- the CLI returns an exit code (0 or 1), never raises, never prints a traceback;
- when render succeeds, every rendered line has the shape of one of the template's own
  statements: its first three words, with inventory values and non-template words
  masked, are a shape the clean fixture's rendering has for that file, and no line
  holds a control character.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from netorch.render.engine import builtin_templates
from tests.hostile.harness import CONTROL, FIXTURES, Outcome, run_in_process

FIXTURE_NAMES = ("psk-mesh", "cnsa-regional")
INVENTORY = "inv.yaml"
Path_ = tuple[str | int, ...]
Shape = tuple[str, ...]

RENDER = ["render", INVENTORY, "--redact", "--out", "out"]
COMMANDS = (["validate", INVENTORY], RENDER, ["report", INVENTORY, "--format", "md"])

PAYLOADS = (
    "\nusername evil privilege 15 secret 0 pwned",
    "\nset system login user evil class super-user",
    '"\n        set psksecret "evil',
    "; touch /tmp/x", "$(touch /tmp/x)", "`touch /tmp/x`", "\r\n!\nline vty 0 4",
    "\n# Injected heading", "<img src=x onerror=alert(1)>", "</script><script>",
    '"]\n  evil --> pwned', '" ];\n"evil', "\x1b[2J\x1b]0;pwned\x07", "\u202e\u2066",
    "\u200b", "\x00", "\x85", "\u2028", "--", "../../", "{{ 7*7 }}", "{% raw %}",
)
INJECTED = re.compile(r"^\s*(username evil|set system login|set psksecret \"evil|touch /tmp/"
                      r"|line vty|# Injected|evil -->|\"evil)", re.MULTILINE)
# Fields that reach a config, a script or a report: half the examples target one of them
# (a site's `description` is added where the fixture has none).
OUTPUT_FIELDS = ("organisation", "interface", "description", "zone", "region", "name",
                 "platform", "mgmt", "underlay")
HOSTILE_CHARS = st.sampled_from(["\n", "\r", "\t", "\x00", "\x0b", "\x1b", "\x7f", "\x85",
                                 "\x9b", '"', "'", "`", ";", "|", "&", "$", "#", "!", "{", "}",
                                 "<", ">", "\\", " ", "-", "--", "\u202e", "\u2066", "\u200b",
                                 "\u2028", "\u0430", "\uff10", "\U0001f600"])
TEXT = st.text(st.characters(exclude_categories=["Cs"]) | HOSTILE_CHARS, max_size=40)


def _with_payload(original: Any) -> st.SearchStrategy[str]:
    return st.sampled_from(PAYLOADS).map(lambda p: f"{original}{p}")


def values(original: Any) -> st.SearchStrategy[Any]:
    """A replacement for a field: hostile text, a payload after the field's own value, a
    very long string, or another type."""
    long_text = st.tuples(st.sampled_from(["a", "A-", "\n", "é", "0"]),
                          st.integers(1_000, 100_000)).map(lambda t: t[0] * t[1])
    other_type = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70),
                           st.floats(allow_nan=True), st.lists(TEXT | st.integers(), max_size=3),
                           st.dictionaries(TEXT, st.integers() | TEXT, max_size=2))
    return st.one_of(_with_payload(original), TEXT, long_text, other_type)


def leaves(data: Any, path: Path_ = ()) -> list[Path_]:
    """Every path into the data below the root: scalars, lists and mappings alike."""
    found: list[Path_] = [path] if path else []
    items = data.items() if isinstance(data, dict) else enumerate(data) \
        if isinstance(data, list) else ()
    for key, value in items:
        found += leaves(value, (*path, key))
    return found


@cache
def fixture(name: str) -> tuple[Any, bytes]:
    source = FIXTURES / f"{name}.yaml"
    return (yaml.safe_load(source.read_text(encoding="utf-8")),
            (FIXTURES / f"{name}.allocations.yaml").read_bytes())


def mutated(data: Any, path: Path_, value: Any) -> Any:
    """A copy of `data` with `value` at `path` (a missing last key is added)."""
    copy = yaml.safe_load(yaml.safe_dump(data))
    parent = copy
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return copy


# ------------------------------------------------------------------- statement shapes

_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_NUMBER = re.compile(r"^[\d./:]+$")


@cache
def vocabulary() -> frozenset[str]:
    """The words the templates write themselves (outside `{{ }}`, `{% %}`, `{# #}`)."""
    words: set[str] = set()
    for template in builtin_templates().rglob("*.j2"):
        words.update(_JINJA.sub(" ", template.read_text(encoding="utf-8")).split())
    return frozenset(w for w in words if not _NUMBER.match(w))


def shape(line: str, values: frozenset[str]) -> Shape:
    """The first three words of a line, each inventory value or non-template word masked."""
    vocab = vocabulary()
    return tuple(w if w in vocab and w not in values else "*" for w in line.split()[:3])


def inventory_values(data: Any) -> frozenset[str]:
    found: set[str] = set()
    for path in leaves(data):
        value: Any = data
        for step in path:
            value = value[step]
        if not isinstance(value, dict | list):
            found.add(str(value).strip())
    return frozenset(found)


@cache
def clean_shapes() -> dict[str, frozenset[Shape]]:
    """Per rendered file name, the line shapes of the clean fixtures' renderings."""
    shapes: dict[str, set[Shape]] = {}
    for name in FIXTURE_NAMES:
        data, _ = fixture(name)
        for file, text in _render(data, name)[1].items():
            shapes.setdefault(Path(file).name, set()).update(
                shape(line, inventory_values(data)) for line in text.splitlines())
    return {name: frozenset(s) for name, s in shapes.items()}


def _render(data: Any, name: str, command: list[str] = RENDER
            ) -> tuple[Outcome, dict[str, str]]:
    with tempfile.TemporaryDirectory(prefix="netorch-mutation-") as folder:
        work = Path(folder)
        (work / INVENTORY).write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                                      encoding="utf-8")
        (work / "inv.allocations.yaml").write_bytes(fixture(name)[1])
        outcome = run_in_process(command, work, {"NO_COLOR": "1", "SOURCE_DATE_EPOCH": "0"})
        out = work / "out"
        files = {p.relative_to(out).as_posix(): p.read_bytes().decode("utf-8", "replace")
                 for p in sorted(out.rglob("*")) if p.is_file()} if out.is_dir() else {}
    return outcome, files


def foreign_lines(files: dict[str, str], data: Any) -> list[str]:
    """Rendered lines that are not one of the template's statements."""
    allowed, values = clean_shapes(), inventory_values(data)
    problems = []
    for file, text in files.items():
        found = CONTROL.search(text) or INJECTED.search(text)
        if found:
            problems.append(f"{file}: {text[max(0, found.start() - 40):found.end() + 40]!r}")
        problems += [f"{file}: {line[:120]!r} (shape {shape(line, values)})"
                     for line in text.splitlines()
                     if shape(line, values) not in allowed.get(Path(file).name, ())]
    return problems


# ------------------------------------------------------------------- the property


def _pick(draw: st.DrawFn, data: Any, kind: str | None) -> tuple[Path_, Any]:
    """A path (of a field of `kind`, added to a site if no site has one) and its value."""
    paths = leaves(data)
    if kind is not None:
        paths = [p for p in paths if p[-1] == kind] or [
            (*site, kind) for site in paths if len(site) == 2 and site[0] == "sites"]
    path = paths[draw(st.integers(0, len(paths) - 1))]
    original: Any = data
    for step in path:
        original = original.get(step, "") if isinstance(original, dict) else original[step]
    return path, original


@dataclass(frozen=True)
class Example:
    """A fixture with some fields changed; shown by its changes, not the whole inventory."""

    fixture: str
    changes: tuple[tuple[Path_, Any], ...]
    data: Any = field(repr=False, compare=False)


@st.composite
def targeted(draw: st.DrawFn) -> Example:
    """Hostile text in one field that reaches an output, the rest valid (so render runs):
    a payload after the field's own value, or random hostile characters."""
    name = draw(st.sampled_from(FIXTURE_NAMES))
    path, original = _pick(draw, fixture(name)[0], draw(st.sampled_from(OUTPUT_FIELDS)))
    value = draw(_with_payload(original) | TEXT.map(lambda t: f"{original}{t}"))
    return Example(name, ((path, value),), mutated(fixture(name)[0], path, value))


@st.composite
def anywhere(draw: st.DrawFn) -> Example:
    """One to three fields anywhere, with hostile text, long strings or another type."""
    name = draw(st.sampled_from(FIXTURE_NAMES))
    data, changes = fixture(name)[0], []
    for _ in range(draw(st.integers(1, 3))):
        path, original = _pick(draw, data, None)
        value = draw(values(original if not isinstance(original, dict | list) else ""))
        changes.append((path, value))
        data = mutated(data, path, value)
    return Example(name, tuple(changes), data)


# Bounded and reproducible: a fixed number of examples from a fixed seed, no example
# database, and no shrinking (a failure is reported as generated: its few changes are
# readable as they are, and shrinking a failing render costs minutes).
BOUNDS = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                         HealthCheck.filter_too_much])


@BOUNDS
@given(targeted())
def test_hostile_text_in_output_fields_is_refused_or_inert(case: Example) -> None:
    check(case)


@BOUNDS
@given(anywhere())
def test_random_mutations_never_crash(case: Example) -> None:
    check(case)


def check(case: Example) -> None:
    for command in COMMANDS:
        outcome, files = _render(case.data, case.fixture, command)
        assert not outcome.problems, outcome.problems
        assert outcome.code in (0, 1), (command, outcome.code, outcome.stderr[-2000:])
        assert "Traceback" not in outcome.stdout + outcome.stderr
        event(f"{command[0]} exit {outcome.code}")
        if command is RENDER and outcome.code == 0:
            event(f"rendered: {', '.join(str(p[-1]) for p, _ in case.changes)}")
            foreign = foreign_lines(files, case.data)
            assert not foreign, "rendered lines outside the templates' statements:\n" + \
                "\n".join(foreign[:20])


def test_clean_fixtures_render_only_template_shapes() -> None:
    """The shape check itself: each clean fixture renders, and passes it."""
    for name in FIXTURE_NAMES:
        data, _ = fixture(name)
        outcome, files = _render(data, name)
        assert outcome.code == 0, outcome.stderr
        assert files
        assert not foreign_lines(files, data)
