"""Errors a user can act on; the CLI maps them to exit codes (never a traceback)."""

from __future__ import annotations


class UserError(Exception):
    """A problem with what the user asked for or supplied (exit 1)."""


class UsageError(UserError):
    """Wrong usage: a missing path, a bad option combination (exit 2)."""


class SecretMissing(UserError):
    """An operation needs the PSK master secret and none was given."""
