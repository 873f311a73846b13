"""Read the `--state` file (`netorch verify --format json`) safely.

The file is a user-named path: it is read only if it is a regular file of at most
`STATE_LIMIT` bytes (a FIFO or a device such as /dev/zero is refused, never waited on),
must be UTF-8 JSON nested no deeper than Python's parser allows, and every field the
report reads must have the type verify writes (text, or a whole number of prefixes).
Each problem is one `UserError` starting with the file's path; never a traceback.
Fields the report does not read are not inspected, so verify can grow.

The header (`schema_version`, `source`, `generated_at`, `inventory_sha256`, `fabric`) is
read with verify's own model (`netorch.verify.origin.StateOrigin`): a file without it, of
another schema major version, or (`check_inventory`) read for another inventory is
refused, naming both fabrics and both fingerprints.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from netorch.errors import UserError
from netorch.findings import printable
from netorch.fsio import read_regular
from netorch.verify.origin import OriginError, StateOrigin, read_origin

STATE_LIMIT = 64 * 1024 * 1024  # bytes; verify writes well under 1 kB per tunnel end
_TEXT_FIELDS = ("id", "device", "status", "detail", "message")
_SESSION_TEXT = ("tunnel", "device", "peer", "neighbor", "state")
_SESSION_COUNTS = ("prefixes_received", "prefixes")


class StateShapeError(ValueError):
    """A field of the state file has the wrong type; `where` is its JSON path."""

    def __init__(self, where: str, expected: str, value: object) -> None:
        super().__init__(f"{where or 'the top level'}: expected {expected}, "
                         f"got {_json_type(value)}")


@dataclass(frozen=True)
class StateFile:
    """A read state file: its JSON, the sha256 of its bytes, where the state comes from."""

    name: str  # the path as given, printable
    raw: dict[str, Any]
    sha256: str
    origin: StateOrigin


def load_state(path: Path) -> StateFile:
    """The state file, read once.

    Raises:
        UserError: unreadable, not a regular file, too large, not UTF-8, not JSON, too
            deeply nested, without verify's header or of another schema version, or a
            field the report reads has the wrong type.
    """
    data = read_regular(path, limit=STATE_LIMIT, what="state file", pipes=True)
    name = printable(path.as_posix())
    raw, origin = _parse(data, name)
    return StateFile(name, raw, hashlib.sha256(data).hexdigest(), origin)


def check_inventory(state: StateFile, fabric: str, inventory_sha256: str) -> None:
    """Refuse state read for another inventory (another fabric, or its files changed).

    Raises:
        UserError: naming both fabrics and both inventory fingerprints.
    """
    got = state.origin
    if got.inventory_sha256 == inventory_sha256 and got.fabric == fabric:
        return
    theirs = f"fabric {got.fabric}, inventory sha256 {got.inventory_sha256}"
    ours = f"fabric {fabric}, inventory sha256 {inventory_sha256}"
    what = ("the inventory changed since" if got.fabric == fabric
            else "it is from another inventory")
    raise UserError(f"{state.name}: live state read {got.generated_at} for {theirs} "
                    f"({got.source}); this report is for {ours}: {what}. Run `netorch "
                    "verify --format json` (or `netorch lab verify`) on this inventory")


def _parse(data: bytes, name: str) -> tuple[dict[str, Any], StateOrigin]:
    try:
        raw = json.loads(data.decode("utf-8"))
        check_shape(raw)
        origin = read_origin(raw)
    except UnicodeDecodeError as exc:
        raise UserError(f"{name}: not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise UserError(f"{name}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}") from None
    except RecursionError:
        raise UserError(f"{name}: not JSON the report can read: nested too deeply"
                        ) from None
    except StateShapeError as exc:
        raise UserError(f"{name}: not verify's JSON: {exc}") from None
    except OriginError as exc:
        raise UserError(f"{name}: not verify's JSON: {exc}") from None
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise UserError(f"{name}: not JSON the report can read: "
                        f"{printable(str(exc))[:200]}") from None
    return raw, origin


def check_shape(raw: Any) -> None:
    """Raise `StateShapeError` unless every field the report reads has verify's type."""
    if not isinstance(raw, dict):
        raise StateShapeError("", "an object", raw)
    tunnels = raw.get("tunnels", [])
    if isinstance(tunnels, list):
        for i, item in enumerate(tunnels):
            _check_fields(item, f"tunnels[{i}]", _TEXT_FIELDS, ())
    elif isinstance(tunnels, dict):
        for tid, item in tunnels.items():
            where = f"tunnels[{_key(tid)}]"
            if not isinstance(item, str | None):
                _check_fields(item, where, _TEXT_FIELDS, ())
    else:
        raise StateShapeError("tunnels", "a list or an object", tunnels)
    key = "bgp" if "bgp" in raw else "sessions"
    sessions = raw.get(key, [])
    if not isinstance(sessions, list):
        raise StateShapeError(key, "a list", sessions)
    for i, item in enumerate(sessions):
        _check_fields(item, f"{key}[{i}]", _SESSION_TEXT, _SESSION_COUNTS)


def _check_fields(item: object, where: str, texts: tuple[str, ...],
                  counts: tuple[str, ...]) -> None:
    if not isinstance(item, dict):
        raise StateShapeError(where, "an object", item)
    for field in texts:
        if not isinstance(item.get(field), str | None):
            raise StateShapeError(f"{where}.{field}", "a string", item[field])
    for field in counts:
        value = item.get(field)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise StateShapeError(f"{where}.{field}", "a whole number", value)


def _key(key: str) -> str:
    """A JSON object key as shown in a message: quoted, escaped, at most 40 characters."""
    shown = printable(key)
    return json.dumps(shown if len(shown) <= 40 else shown[:40] + "…", ensure_ascii=False)


def _json_type(value: object) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "true/false",
             int: "a number", float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)
