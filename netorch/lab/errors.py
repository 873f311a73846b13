"""The lab's one error type: a message for the user, never a traceback."""

from __future__ import annotations

from netorch.errors import UserError


class LabError(UserError):
    """Something the lab could not do; the message says what and, where it can, why."""
