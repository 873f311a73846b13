"""Formatters for `validate` findings: text for people, json/junit/sarif for tools."""

from __future__ import annotations

from collections.abc import Callable

from netorch.output.findings import as_json, as_junit, as_sarif, as_text

Formatter = Callable[..., str]

FORMATS: dict[str, Formatter] = {
    "text": as_text,
    "json": as_json,
    "junit": as_junit,
    "sarif": as_sarif,
}

__all__ = ["FORMATS", "as_json", "as_junit", "as_sarif", "as_text"]
