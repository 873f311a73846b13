"""Whatever the files hold, `validate` answers with findings, never a traceback."""

from __future__ import annotations

import copy
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netorch import api

MINIMAL = yaml.safe_load((Path(__file__).parent / "minimal.yaml").read_text())

TOKENS = [*"abc01:-[]{}&*<>!|#'\",.\n\t ?%@`~", "fabric", "sites", "name", "<<", "---", "  ",
          "- ", ": ", "&a ", "*a", "!!binary ", "!!map ", "\n  ", "\n- ", "é", "\x00"]
YAMLISH = st.lists(st.sampled_from(TOKENS), max_size=60).map("".join)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-2**40, 2**40),
                    st.floats(allow_nan=False), st.text(max_size=12),
                    st.sampled_from(["10.0.0.0/8", "192.0.2.1", "8h", "custom", "psk"]))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12)
EXAMPLES = int(os.environ.get("NETORCH_FUZZ_EXAMPLES", "150"))  # more for a long run
SETTINGS = settings(max_examples=EXAMPLES, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _validate(text: str) -> api.Validation:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "inventory.yaml"
        path.write_text(text, encoding="utf-8")
        return api.validate(path)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(data, dict):
        for k, v in data.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += _paths(v, (*prefix, i))
    return out


def _replace(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    data = copy.deepcopy(data)
    node = data
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return data


@SETTINGS
@given(YAMLISH)
def test_random_text(text: str) -> None:
    result = _validate(text)
    assert result.errors or result.inventory is not None


@SETTINGS
@given(VALUES)
def test_random_structures(value: Any) -> None:
    result = _validate(yaml.safe_dump(value))
    assert result.errors or result.inventory is not None


@SETTINGS
@given(st.data())
def test_one_node_of_a_valid_inventory_replaced(data: st.DataObject) -> None:
    path = data.draw(st.sampled_from(_paths(MINIMAL)))
    value = data.draw(VALUES)
    result = _validate(yaml.safe_dump(_replace(MINIMAL, path, value), sort_keys=False))
    assert all(f.location.line >= 1 for f in result.findings)


@SETTINGS
@given(st.one_of(VALUES, YAMLISH))
def test_random_site_file_in_directory_form(site: Any) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "sites").mkdir()
        (root / "fabric.yaml").write_text(yaml.safe_dump({"fabric": MINIMAL["fabric"]}))
        (root / "sites" / "a.yaml").write_text(yaml.safe_dump(MINIMAL["sites"][0]))
        text = site if isinstance(site, str) else yaml.safe_dump(site)
        (root / "sites" / "b.yaml").write_text(text, encoding="utf-8")
        result = api.validate(root)
    assert result.errors or result.inventory is not None
    assert all(f.location.line >= 1 for f in result.findings)
