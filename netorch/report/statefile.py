"""Read the `--state` file (`netorch verify --format json`) safely, into verify's types.

The file is a user-named path: it is read only if it is a regular file of at most
`STATE_LIMIT` bytes (a FIFO or a device such as /dev/zero is refused, never waited on),
must be UTF-8 JSON nested no deeper than Python's parser allows, and is read with the
model verify writes it with (`netorch.verify.model.VerifyResult`): the header
(`schema_version`, `source`, `generated_at`, `inventory_sha256`, `fabric`; a file without
it or of another schema major version is refused), then every check with verify's types.
Fields it does not know are ignored (a later minor version only adds fields). Each
problem is one `UserError` starting with the file's path, never echoing a value from the
file; never a traceback. `check_inventory` refuses state read for another inventory,
naming both fabrics and both fingerprints.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from netorch.errors import UserError
from netorch.findings import printable
from netorch.fsio import read_regular
from netorch.verify.model import VerifyResult
from netorch.verify.origin import OriginError

STATE_LIMIT = 64 * 1024 * 1024  # bytes; verify writes well under 1 kB per tunnel end
_KEYED = frozenset({"errors"})  # fields whose keys are the file's text: shown as […]
_EXPECTED = {"string_type": "a string", "int_type": "a whole number or null",
             "list_type": "a list", "dict_type": "an object", "dataclass_type": "an object",
             "model_type": "an object"}


class StateShapeError(ValueError):
    """A field of the state file is missing or has the wrong type; `where` is its JSON
    path. The message names the type found, never the value."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where or 'the top level'}: {problem}")


@dataclass(frozen=True)
class StateFile:
    """A read state file: verify's typed result, and the sha256 of the file's bytes."""

    name: str  # the path as given, printable
    result: VerifyResult
    sha256: str


def load_state(path: Path) -> StateFile:
    """The state file, read once.

    Raises:
        UserError: unreadable, not a regular file, too large, not UTF-8, not JSON, too
            deeply nested, without verify's header or of another schema version, or a
            field has another type than verify writes.
    """
    data = read_regular(path, limit=STATE_LIMIT, what="state file", pipes=True)
    name = printable(path.as_posix())
    return StateFile(name, _result(_json(data, name), name), hashlib.sha256(data).hexdigest())


def check_inventory(state: StateFile, fabric: str, inventory_sha256: str) -> None:
    """Refuse state read for another inventory (another fabric, or its files changed).

    Raises:
        UserError: naming both fabrics and both inventory fingerprints.
    """
    got = state.result
    if got.inventory_sha256 == inventory_sha256 and got.fabric == fabric:
        return
    theirs = f"fabric {got.fabric}, inventory sha256 {got.inventory_sha256}"
    ours = f"fabric {fabric}, inventory sha256 {inventory_sha256}"
    what = ("the inventory changed since" if got.fabric == fabric
            else "it is from another inventory")
    raise UserError(f"{state.name}: live state read {got.generated_at} for {theirs} "
                    f"({got.source}); this report is for {ours}: {what}. Run `netorch "
                    "verify --format json` (or `netorch lab verify`) on this inventory")


def _json(data: bytes, name: str) -> object:
    try:
        document: object = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise UserError(f"{name}: not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise UserError(f"{name}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}") from None
    except RecursionError:
        raise UserError(f"{name}: not JSON the report can read: nested too deeply"
                        ) from None
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise UserError(f"{name}: not JSON the report can read: "
                        f"{printable(str(exc))[:200]}") from None
    return document


def _result(document: object, name: str) -> VerifyResult:
    try:
        if not isinstance(document, dict):
            raise StateShapeError("", _wrong("an object", document))
        return VerifyResult.read(document)
    except ValidationError as exc:
        error = _shape_error(exc.errors(include_url=False)[0])
        raise UserError(f"{name}: not verify's JSON: {error}") from None
    except (StateShapeError, OriginError) as exc:
        raise UserError(f"{name}: not verify's JSON: {exc}") from None


def _shape_error(error: ErrorDetails) -> StateShapeError:
    """A problem pydantic found, worded as the report words it (`ctx` holds verify's own
    values, such as the statuses it writes, never the file's)."""
    where = _where(error["loc"])
    if error["type"] == "missing":
        return StateShapeError(where, "missing")
    if error["type"] == "enum":
        expected = f"one of {error.get('ctx', {}).get('expected', 'the values verify writes')}"
    else:
        expected = _EXPECTED.get(error["type"], "the type verify writes")
    return StateShapeError(where, _wrong(expected, error["input"]))


def _wrong(expected: str, value: object) -> str:
    return f"expected {expected}, got {_json_type(value)}"


def _where(loc: Sequence[int | str]) -> str:
    """A JSON path as shown in a message: `tunnels[0].status`, `errors[…]` (a key is the
    file's text, and is not echoed)."""
    where = ""
    for i, part in enumerate(loc):
        if isinstance(part, int):
            where += f"[{part}]"
        elif i == 1 and loc[0] in _KEYED:
            where += "[…]"
        else:
            where += f".{part}" if where else part
    return where


def _json_type(value: object) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "true/false",
             int: "a number", float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)
