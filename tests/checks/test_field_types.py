"""Free text and names: what the model lets through to configs and scripts."""

from __future__ import annotations

import pytest
from pydantic_core import PydanticCustomError

from netorch.inventory.types import (
    FREE_TEXT_CHARS,
    parse_free_text,
    parse_name,
    parse_object_name,
    shown,
)

REAL = ["Norfolk Constabulary", "HM Courts & Tribunals Service", "Crown Prosecution Service",
        "King's Lynn (West) / Probation", "Data centre, South - Hall 2.1", "A",
        "Police Scotland: Edinburgh", "100 Mbps leased line + 4G backup", "ops@force_1 = 50%"]
HOSTILE = ["East\nusername evil privilege 15 secret 0 pwned", "x\rY", "x\x1b[2J", 'say "hi"',
           "back\\slash", "a;b", "x # y", "x { y }", "<img src=x onerror=alert(1)>", "$HOME",
           "`id`", "tab\there", "East\u2028x", "East\u202ex", "Café", "", "   ", "a" * 129]


@pytest.mark.parametrize("text", REAL)
def test_real_organisations_are_free_text(text: str) -> None:
    assert parse_free_text(f"  {text} ") == text


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_refused_naming_what_is_allowed(text: str) -> None:
    with pytest.raises(PydanticCustomError) as caught:
        parse_free_text(text)
    message = str(caught.value)
    assert f"{FREE_TEXT_CHARS}, 1 to 128 characters" in message
    assert message.isprintable()


def test_the_refused_characters_are_shown_escaped() -> None:
    with pytest.raises(PydanticCustomError, match=r"found '\\n', ';'$"):
        parse_free_text("East\nx;y")


@pytest.mark.parametrize("name", ["a--b", "hub--r1", "a---b", "-a", "a-", "A", "a_b", "a.b"])
def test_names_refuse_the_identity_separator_and_more(name: str) -> None:
    with pytest.raises(PydanticCustomError, match="no '--' inside"):
        parse_name(name)


@pytest.mark.parametrize("name", ["a", "a-b", "hub-r1", "a1-b2-c3", "x" * 63])
def test_names_keep_single_hyphens(name: str) -> None:
    assert parse_name(name) == name


def test_shown_escapes_what_would_not_print() -> None:
    assert shown("eth0") == "'eth0'"
    assert shown("a\nb\x1b") == "'a\\nb\\x1b'"
    assert shown("x" * 100).endswith("...'")


@pytest.mark.parametrize("parse", [parse_name, parse_object_name], ids=["name", "object"])
@pytest.mark.parametrize("value", ["untrust\n", "root\n", "trust\r\n"])
def test_a_name_ending_in_a_line_break_is_refused_by_its_type(parse: object,
                                                             value: str) -> None:
    """`$` in a regex also matches before a final newline: names are matched whole, so
    `zone: "untrust\\n"` never reaches the renderer's guard as a valid name."""
    assert callable(parse)
    with pytest.raises(PydanticCustomError):
        parse(value)
