"""The harness's errors: one root, so a caller can tell the harness refusing from anything else.

``HarnessError`` stays a ``RuntimeError``, as each of these was before they shared a root.
"""

from __future__ import annotations


class HarnessError(RuntimeError):
    """Something the test harness refused or could not do; the message says what and why."""


class UnsafeDatabaseError(HarnessError):
    """The harness was pointed at a database it must not touch."""


class HarnessSetupError(HarnessError):
    """The server or role cannot host test databases; the message says what to change."""


class KeptDatabaseInUseError(HarnessError):
    """A kept database of that name is held by another live run, or someone is connected to it."""


class HarnessWarning(UserWarning):
    """The harness works, but with less protection than it is meant to have."""
