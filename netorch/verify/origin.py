"""Where live state comes from: the header of every verify JSON document.

`netorch verify --format json` and `netorch lab verify --format json` write the fields
of `StateOrigin` at the top level of their JSON, beside `ok`, `errors`, `tunnels` and
`bgp`; `netorch report --state` reads them back with this same model and refuses a
document of another schema or another inventory. This module is the one definition of
that header; `netorch.verify.model.VerifyResult` is the whole document (this header and
the checks), written and read with one model.

- `schema_version`: "MAJOR.MINOR"; a reader accepts its own major (minor versions only
  add fields, which an older reader ignores). 1.1 added `certs`: the certificate each
  device presents on a certificate fabric.
- `source`: `production` (`netorch verify`) or `lab:<name>` (`netorch lab verify`).
- `generated_at`: when the devices were read, UTC, ISO 8601 to the second.
- `inventory_sha256`: the inventory's fingerprint (`netorch.fingerprint`), the digest a
  report's provenance shows.
- `fabric`: the fabric's name, to say which inventory a refused state belongs to.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from netorch.fingerprint import inventory_sha256
from netorch.inventory.types import Name

STATE_SCHEMA_VERSION = "1.1"  # 1.1: `certs` (certificate fabrics)
PRODUCTION = "production"
LAB_PREFIX = "lab:"
LAB_NAME_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}"
_VERSION_RE = re.compile(r"\d{1,4}\.\d{1,4}")
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

__all__ = ["LAB_NAME_PATTERN", "PRODUCTION", "STATE_SCHEMA_VERSION", "OriginError",
           "StateOrigin", "lab_source", "origin_of", "read_origin"]


def _utc_time(value: str) -> str:
    datetime.strptime(value, _TIME_FORMAT)  # a real date and time, not only the pattern
    return value


def _major(version: str) -> str:
    return version.split(".", maxsplit=1)[0]


def _readable(version: str) -> str:
    if _major(version) != _major(STATE_SCHEMA_VERSION):
        raise ValueError(f"schema {_major(STATE_SCHEMA_VERSION)}.x only")
    return version


class StateOrigin(BaseModel):
    """The provenance header of a verify JSON document."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Annotated[str, AfterValidator(_readable)] = Field(
        default=STATE_SCHEMA_VERSION, pattern=r"^\d{1,4}\.\d{1,4}$",
        description="MAJOR.MINOR; read only when MAJOR is this netorch's")
    source: str = Field(pattern=rf"^(?:{PRODUCTION}|{LAB_PREFIX}{LAB_NAME_PATTERN})$",
                        description="production, or lab:<name> for `netorch lab verify`")
    generated_at: Annotated[str, AfterValidator(_utc_time)] = Field(
        pattern=r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", description="UTC, ISO 8601")
    inventory_sha256: str = Field(pattern=r"^[0-9a-f]{64}$",
                                  description="the inventory's fingerprint")
    fabric: Name

    @property
    def lab(self) -> str | None:
        """The lab's name when the state was read from a lab, else None."""
        return self.source.removeprefix(LAB_PREFIX) if self.source != PRODUCTION else None


_EXPECTED = {
    "schema_version": "a version such as \"1.0\"",
    "source": "\"production\" or \"lab:NAME\"",
    "generated_at": "a UTC time such as \"2026-01-31T12:00:00Z\"",
    "inventory_sha256": "64 lower-case hex digits",
    "fabric": "a fabric name",
}
_RERUN = "write it again with `netorch verify --format json` (or `netorch lab verify`)"


class OriginError(ValueError):
    """The header is missing, of another schema, or malformed (the message never echoes
    the document's values: the file may be anything the user named)."""


def lab_source(lab: str) -> str:
    return f"{LAB_PREFIX}{lab}"


def origin_of(inventory: str | Path, fabric: str, source: str,
              now: datetime | None = None) -> StateOrigin:
    """The header for live state read now (or at `now`) for the inventory at `inventory`."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return StateOrigin(source=source, generated_at=moment.strftime(_TIME_FORMAT),
                       inventory_sha256=inventory_sha256(inventory), fabric=fabric)


def read_origin(raw: Mapping[str, object]) -> StateOrigin:
    """The header of a parsed verify document.

    Raises:
        OriginError: no schema_version, another major version, or a field of the header
            missing or malformed.
    """
    version = raw.get("schema_version")
    if version is None:
        raise OriginError("no schema_version: not live state from this netorch's "
                          f"verify; {_RERUN}")
    if not isinstance(version, str) or not _VERSION_RE.fullmatch(version):
        raise OriginError(f"schema_version: expected {_EXPECTED['schema_version']}")
    if _major(version) != _major(STATE_SCHEMA_VERSION):
        raise OriginError(f"schema_version {version} is not one this netorch reads "
                          f"({_major(STATE_SCHEMA_VERSION)}.x); {_RERUN}, or use the "
                          "netorch that wrote it")
    try:
        return StateOrigin.model_validate({k: raw.get(k) for k in StateOrigin.model_fields})
    except ValidationError as exc:
        field = str(exc.errors()[0]["loc"][0])
        state = "missing" if raw.get(field) is None else f"expected {_EXPECTED[field]}"
        raise OriginError(f"{field}: {state}; {_RERUN}") from None
