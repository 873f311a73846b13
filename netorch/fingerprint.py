"""The inventory's fingerprint: one sha256 over its files, the same wherever it is used.

A report's provenance and a verify state file (`netorch verify --format json`) both
carry it, so `report --state` can tell whether the state was read for this inventory.

The files are the YAML files the loader reads (the same selection) and the allocation
file; each is hashed by content and named by its path relative to the inventory, so
the same inventory checked out anywhere gives the same digest. The digest is the
sha256 of the lines `<sha256>  <relative path>` sorted by path (the `sha256sum`
format), so anyone can recompute it:
`cd INVENTORY && sha256sum allocations.yaml fabric.yaml pki/ca.crt pki/certs/*.crt
pki/crl.pem pki/index.json sites/*.yaml | sha256sum` (the files in path order).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from netorch.inventory.loader import FABRIC_FILE, SITES_DIR, pki_dir, site_files
from netorch.plan.lockfile import allocations_path


def sha256(data: bytes) -> str:
    """Hex sha256 of `data`.

    >>> sha256(b"")[:16]
    'e3b0c44298fc1c14'
    """
    return hashlib.sha256(data).hexdigest()


def source_files(path: Path) -> list[Path]:
    """The YAML files the loader reads, in its order: the single file, or `fabric.yaml`
    (named even if missing) and each site file (`inventory.loader.site_files`). The one
    list of an inventory's files: `validate` names them (a JUnit test case each), the
    fingerprint hashes them."""
    if path.is_file():
        return [path]
    return [path / FABRIC_FILE, *site_files(path / SITES_DIR)[0]]


def inventory_files(path: Path) -> list[Path]:
    """The files that make the inventory, its plan and its certificates (its source
    files, allocation file and public PKI files: what a report reads), those that
    exist, sorted."""
    files = [*source_files(path), allocations_path(path), *pki_files(pki_dir(path))]
    return sorted({f for f in files if f.is_file() and not f.is_symlink()})


def pki_files(folder: Path) -> list[Path]:
    """The public PKI files: `ca.crt`, `crl.pem`, `index.json` and `certs/*.crt`."""
    certs = folder / "certs"
    named = sorted(certs.glob("*.crt")) if certs.is_dir() and not certs.is_symlink() else []
    return [folder / "ca.crt", folder / "crl.pem", folder / "index.json", *named]


def file_digests(path: Path) -> list[tuple[str, str]]:
    """(path relative to the inventory, sha256 of its bytes) per file, sorted by path."""
    base = path.parent if path.is_file() else path
    return sorted((f.relative_to(base).as_posix(), sha256(f.read_bytes()))
                  for f in inventory_files(path))


def listing_sha256(digests: list[tuple[str, str]]) -> str:
    """The sha256 of the `sha256sum` listing of `digests` (a name hashed as its bytes on
    disk, which need not be UTF-8)."""
    return sha256(b"".join(f"{digest}  ".encode() + os.fsencode(name) + b"\n"
                           for name, digest in digests))


def inventory_sha256(path: str | Path) -> str:
    """The inventory's fingerprint (see the module's docstring)."""
    return listing_sha256(file_digests(Path(path)))
