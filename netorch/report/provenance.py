"""Where a report comes from: inputs by content hash, and a reproducible timestamp.

Hashes depend on file contents and paths relative to the inventory only, so the same
inventory checked out anywhere gives the same digests. The generation time comes from
`--generated-at`, else `SOURCE_DATE_EPOCH` (reproducible-builds.org), else now.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from netorch.errors import UsageError
from netorch.findings import printable
from netorch.fingerprint import file_digests, listing_sha256, sha256
from netorch.report.model import InputFile

__all__ = ["generation_time", "hash_inputs", "parse_time", "sha256"]

SOURCE_DATE_EPOCH = "SOURCE_DATE_EPOCH"


def hash_inputs(path: Path) -> tuple[str, list[InputFile]]:
    """Per-file digests (sorted by relative path) and the inventory's fingerprint
    (`netorch.fingerprint`: the sha256 of their `sha256sum` listing). A name is hashed
    as the bytes it has on disk (it need not be UTF-8) and shown escaped."""
    digests = file_digests(path)
    return listing_sha256(digests), [InputFile(path=printable(n), sha256=d)
                                     for n, d in digests]


def parse_time(value: str) -> datetime:
    """ISO 8601 (naive means UTC) or seconds since the epoch.

    >>> parse_time("1700000000").isoformat()
    '2023-11-14T22:13:20+00:00'
    >>> parse_time("2024-05-01T12:00:00+01:00").isoformat()
    '2024-05-01T11:00:00+00:00'
    """
    text = value.strip()
    try:
        if text.lstrip("-").isdigit():
            return datetime.fromtimestamp(int(text), tz=UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        raise UsageError(f"'{value}' is not a time: use ISO 8601 (2024-05-01T12:00:00Z) "
                         "or seconds since the epoch") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def generation_time(given: str | None = None) -> str:
    """`given`, else $SOURCE_DATE_EPOCH, else now; UTC, to the second, ISO 8601."""
    epoch = os.environ.get(SOURCE_DATE_EPOCH, "")
    if given:
        moment = parse_time(given)
    elif epoch:
        moment = parse_time(epoch)
    else:
        moment = datetime.now(UTC)
    return moment.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
