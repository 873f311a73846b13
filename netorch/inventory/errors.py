"""Turn pydantic validation errors into findings at the right YAML node."""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from netorch.findings import Finding, error
from netorch.yamlsource import PathKey, SourceMap, excerpt


def did_you_mean(word: object, options: typing.Iterable[object]) -> str:
    """A ' (did you mean 'x'?)' suffix for a near miss, or ''.

    >>> did_you_mean("hubz", ["hubs", "kind"])
    " (did you mean 'hubs'?)"
    """
    names = {str(o): o for o in options}
    close = difflib.get_close_matches(str(word), list(names), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def describe(value: Any) -> str:
    """The YAML-level name of a value's type, for messages."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, str):  # at most a short prefix: the value may be a whole file
        return f"a string ({excerpt(value)})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def shape(value: Any) -> str:
    """What a value is, without a word of what it holds: for a whole file, which may be
    anything a mistake or a symbolic link put there (never quote it back).

    >>> shape("hunter2"), shape([1]), shape(42)
    ('a string of 7 characters', 'a list of 1 item', 'a number')
    """
    if isinstance(value, str):
        return f"a string of {_count(len(value), 'character')}"
    if isinstance(value, list):
        return f"a list of {_count(len(value), 'item')}"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if value is None or isinstance(value, dict):
        return describe(value)
    return "a single value"  # a date, binary data...


def _count(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _unwrap(tp: Any) -> Any:
    """Strip Annotated[...] and Optional[...] down to the interesting type."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return tp
            tp = args[0]
        else:
            return tp


def type_at(root: type[BaseModel], path: PathKey) -> Any:
    """The declared type at `path` inside model `root`, or None if unknown."""
    tp: Any = root
    for part in path:
        tp = _unwrap(tp)
        origin = typing.get_origin(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel) and isinstance(part, str):
            field = tp.model_fields.get(part)
            if field is None:
                return None
            tp = field.annotation
        elif origin is list and isinstance(part, int):
            tp = typing.get_args(tp)[0]
        elif origin is dict:
            tp = typing.get_args(tp)[1]
        else:
            return None
    return _unwrap(tp)


def _data_path(loc: tuple[int | str, ...]) -> tuple[PathKey, bool]:
    """pydantic's loc without its internal tags; True if it points at a mapping key."""
    is_key = "[key]" in loc
    return tuple(p for p in loc if p != "[key]" and not (isinstance(p, str) and "[" in p)), is_key


def _literals(root: type[BaseModel], path: PathKey) -> list[Any]:
    tp = type_at(root, path)
    return list(typing.get_args(tp)) if typing.get_origin(tp) is typing.Literal else []


_LABELS = {"kind": "topology kind", "profile": "crypto profile", "auth": "authentication method",
           "protocol": "routing protocol"}


_UNKNOWN_KEY = ("extra_forbidden", "invalid_key")  # invalid_key: not a string (`1: x`)
_SINGULAR = {"sites": "site", "devices": "device", "links": "link", "lan": "LAN prefix",
             "hubs": "hub", "encryption": "algorithm", "prf": "algorithm",
             "integrity": "algorithm", "dh_groups": "DH group", "pfs_groups": "DH group"}
_EXPECTED = {"int_type": "an integer", "int_parsing": "an integer", "int_from_float": "an integer",
             "string_type": "a string", "bool_type": "true or false", "bool_parsing":
             "true or false", "list_type": "a list", "model_type": "a mapping",
             "dict_type": "a mapping", "model_attributes_type": "a mapping"}


def _subject(path: PathKey) -> str:
    """How to name the thing at `path` in a message: 'preference', 'an item of lan'."""
    if not path:
        return "the inventory"
    if isinstance(path[-1], int):
        parent = str(path[-2]) if len(path) > 1 else "list"
        return f"{_SINGULAR.get(parent, 'item')} {path[-1] + 1} of '{parent}'"
    return f"'{path[-1]}'"


def _owner(path: PathKey, value: Any) -> str:
    """' in site 'x'' / ' in 'fabric'': the mapping a missing key belongs in."""
    name = value.get("name") if isinstance(value, dict) else None
    if path and isinstance(path[-1], int) and len(path) > 1:
        what = _SINGULAR.get(str(path[-2]), "item")
        return f" in {what} '{name}'" if isinstance(name, str) else \
            f" in {what} {path[-1] + 1} of '{path[-2]}'"
    return f" in '{path[-1]}'" if path else ""


def _fields(model: Any) -> list[str]:
    """The keys a model allows ([] if `model` is not a model)."""
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return []


def _message(err: ErrorDetails, root: type[BaseModel], path: PathKey) -> str:
    kind, ctx, value = err["type"], err.get("ctx", {}), err.get("input")
    field = path[-1] if path else "inventory"
    label = _LABELS.get(str(field), str(field))
    if isinstance(field, int) and len(path) > 1:  # an item of a list: name it by the list
        label = _SINGULAR.get(str(path[-2]), "value")
    if kind == "missing":
        return f"missing required key '{field}'{_owner(path[:-1], value)}"
    if kind in _UNKNOWN_KEY:
        allowed = sorted(_fields(type_at(root, path[:-1])))
        hint = did_you_mean(field, allowed)
        return f"unknown key {excerpt(str(field))}{hint}" + ("" if hint else
                                                 f"; allowed keys: {', '.join(allowed)}")
    if kind == "literal_error":
        options = _literals(root, path)
        known = ", ".join(str(o) for o in options)
        return f"unknown {label} {excerpt(str(value))}{did_you_mean(value, options)}; " \
            f"known: {known}"
    if kind in _EXPECTED:
        return f"{_subject(path)} must be {_EXPECTED[kind]}, got {describe(value)}"
    if kind == "too_short":
        want = ctx.get("min_length", 1)
        return f"'{field}' must not be empty" if want == 1 else \
            f"'{field}' needs at least {want} items"
    if kind == "string_too_short":
        return f"'{field}' must not be empty"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        bound = ctx.get("ge", ctx.get("le", ctx.get("gt", ctx.get("lt"))))
        word = {"greater_than_equal": "at least", "less_than_equal": "at most",
                "greater_than": "more than", "less_than": "less than"}[kind]
        return f"{field} {value} is out of range: must be {word} {bound}"
    return str(err["msg"])


def _misspelt(errors: list[ErrorDetails], root: type[BaseModel]) -> set[PathKey]:
    """Paths of missing keys that an unknown key next to them is a near miss of.

    `platfrom: x` gives "unknown key 'platfrom' (did you mean 'platform'?)"; saying
    "missing required key 'platform'" as well would only repeat it.
    """
    out: set[PathKey] = set()
    for err in errors:
        path, _ = _data_path(err["loc"])
        if err["type"] not in _UNKNOWN_KEY or not path:
            continue
        allowed = _fields(type_at(root, path[:-1]))
        close = difflib.get_close_matches(str(path[-1]), allowed, n=1, cutoff=0.6)
        if close:
            out.add((*path[:-1], close[0]))
    return out


def findings_from(exc: ValidationError, root: type[BaseModel], source: SourceMap) -> list[Finding]:
    out = []
    errors = exc.errors(include_url=False)
    misspelt = _misspelt(errors, root)
    for err in errors:
        path, is_key = _data_path(err["loc"])
        kind = err["type"]
        if kind == "missing" and path in misspelt:
            continue
        at_key = is_key or kind in _UNKNOWN_KEY
        where = path[:-1] if kind == "missing" else path
        code = f"schema-{kind.replace('_', '-')}"
        out.append(error(code, _message(err, root, path), source.locate(where, key=at_key)))
    return out
