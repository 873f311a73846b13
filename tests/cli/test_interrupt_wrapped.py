"""Ctrl-C while pydantic serializes (`plan --format json`): pydantic-core re-raises the
KeyboardInterrupt as a PydanticSerializationError, which netorch still reports as an
interrupt (exit 130), never a traceback. The hostile corpus meets it by timing
(output/interrupted-plan-*); this pins it without a clock."""

from __future__ import annotations

from typing import Annotated

import pytest
import typer
from pydantic import BaseModel, PlainSerializer

from netorch import cli


def _interrupt(_: object) -> str:
    raise KeyboardInterrupt


class Slow(BaseModel):
    value: Annotated[int, PlainSerializer(_interrupt)]


def test_a_serializer_interrupt_is_recognised() -> None:
    with pytest.raises(Exception) as raised:
        Slow(value=1).model_dump_json()
    assert type(raised.value).__name__ == "PydanticSerializationError"
    assert cli._interrupted(raised.value)
    assert not cli._interrupted(ValueError("KeyboardInterrupt in a message only"))


def test_main_exits_130_when_a_command_is_interrupted_in_pydantic(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def app(**_: object) -> None:
        typer.echo(Slow(value=1).model_dump_json())

    monkeypatch.setattr(cli, "app", app)
    assert cli.main(["validate", "x"]) == cli.INTERRUPTED
    assert capsys.readouterr().err.strip() == "netorch: interrupted"
